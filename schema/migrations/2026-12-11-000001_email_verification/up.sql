-- E-mail verification before a shop goes live (issue 21). A shop made by self-service sign-up
-- waits for its owner to confirm their address: until then its channels are held off, so no
-- shopper is answered on behalf of an address nobody has checked. Everything that serves
-- shoppers already reads `channels.enabled` (the web chat's cached lookup, the inbound worker,
-- the marketplace syncs), so holding a channel off costs the edge nothing.

-- When the person proved the address is theirs. People who exist already, invited people (the
-- invitation's link went to the address) and seeded ones count as verified: only sign-up makes
-- an account without it (it writes NULL).
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ DEFAULT now();

-- The shop waits for its owner's address; only sign-up sets it. Existing shops are live.
ALTER TABLE tenants ADD COLUMN awaiting_verification BOOLEAN NOT NULL DEFAULT false;

-- A channel connected while its shop waited: off, and switched on when the address is confirmed.
-- Switching the channel off (or its account closing it) forgets the wait.
ALTER TABLE channels ADD COLUMN awaiting_verification BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE channels ADD CONSTRAINT channels_awaiting_is_off
    CHECK (NOT (awaiting_verification AND enabled));

-- The e-mailed links: a single-use token, stored hashed, valid 48 hours.
CREATE TABLE email_verifications (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX email_verifications_by_user ON email_verifications (tenant_id, user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON email_verifications TO otklik_tenant;
ALTER TABLE email_verifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_verifications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON email_verifications TO otklik_tenant
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
DO $$
BEGIN
    EXECUTE format('CREATE POLICY service_role ON email_verifications TO %I USING (true) WITH CHECK (true)',
                   current_user);
END
$$;
