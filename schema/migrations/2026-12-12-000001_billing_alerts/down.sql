DROP INDEX billing_accounts_standing_idx;
DELETE FROM alerts_sent WHERE kind = 'billing';
UPDATE users SET alerts_off = array_remove(alerts_off, 'billing');
ALTER TABLE alerts_sent DROP CONSTRAINT alerts_sent_kind_check;
ALTER TABLE alerts_sent ADD CONSTRAINT alerts_sent_kind_check
    CHECK (kind IN ('waiting_conversation', 'sync_failing', 'wb_question_deadline'));
ALTER TABLE users DROP CONSTRAINT users_alerts_off_check;
ALTER TABLE users ADD CONSTRAINT users_alerts_off_check
    CHECK (alerts_off <@ ARRAY['waiting_conversation', 'sync_failing', 'wb_question_deadline']);
