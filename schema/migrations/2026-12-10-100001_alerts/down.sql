DROP INDEX marketplace_accounts_failing_idx;
ALTER TABLE marketplace_accounts DROP COLUMN failing_since;
DROP INDEX conversations_reply_due_idx;
DROP INDEX conversations_waiting_idx;
DROP TABLE alerts_sent;
ALTER TABLE users DROP COLUMN alerts_off;
