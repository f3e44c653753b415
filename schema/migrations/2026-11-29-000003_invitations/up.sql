-- Invitations for a shop's people: a single-use token, stored hashed, that lets the invited
-- person set a password and join with the role the admin chose.

CREATE TABLE invitations (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email       TEXT NOT NULL CHECK (position('@' IN email) > 1),
    role        TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  BIGINT,
    expires_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, invited_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (invited_by)
);
CREATE INDEX invitations_pending_idx ON invitations (tenant_id, created_at)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
