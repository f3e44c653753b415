ALTER TABLE invitations DROP COLUMN mailed_at, DROP COLUMN mail_token_hash;
DROP TABLE idempotency_keys;
