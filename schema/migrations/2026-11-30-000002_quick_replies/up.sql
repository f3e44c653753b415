-- Quick replies: a shop's ready-made answers that operators insert into the reply box, found by
-- title or by an optional shortcut (`/delivery`).

CREATE TABLE quick_replies (
    id         BIGSERIAL PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    text       TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 4096),
    shortcut   TEXT CHECK (shortcut ~ '^[a-z0-9_-]{1,32}$'),
    created_by BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by)
);
CREATE UNIQUE INDEX quick_replies_shortcut_key ON quick_replies (tenant_id, shortcut)
    WHERE shortcut IS NOT NULL;
CREATE INDEX quick_replies_list_idx ON quick_replies (tenant_id, title, id);
