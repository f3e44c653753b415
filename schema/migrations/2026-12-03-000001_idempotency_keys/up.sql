-- Idempotency keys of the admin API (`Idempotency-Key` on POST): the first request with a key
-- claims it while it runs; its completed answer is kept for 24 hours and replayed to retries of
-- the same request by the same caller. Keys belong to a caller (`user:<id>` for a signed-in
-- person, `api_key:<sha256>` for a server), so nobody can replay someone else's answer.
-- Invitations also get a second single-use token, made by the notify worker for the e-mail
-- (so no token sits in Redis), and the moment that e-mail was claimed for sending.

CREATE TABLE idempotency_keys (
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    caller      TEXT NOT NULL,
    key         TEXT NOT NULL CHECK (key ~ '^[!-~]{1,255}$'),
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    -- NULL while the first request runs.
    status      SMALLINT,
    headers     JSONB NOT NULL DEFAULT '{}',
    body        BYTEA,
    locked_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, caller, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (tenant_id, expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO otklik_tenant;
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON idempotency_keys TO otklik_tenant
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

ALTER TABLE invitations
    ADD COLUMN mail_token_hash TEXT UNIQUE,
    ADD COLUMN mailed_at       TIMESTAMPTZ;
