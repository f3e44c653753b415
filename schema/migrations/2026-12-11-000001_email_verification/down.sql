DROP TABLE email_verifications;
ALTER TABLE channels DROP CONSTRAINT channels_awaiting_is_off;
ALTER TABLE channels DROP COLUMN awaiting_verification;
ALTER TABLE tenants DROP COLUMN awaiting_verification;
ALTER TABLE users DROP COLUMN email_verified_at;
