-- Shoppers' ratings of a conversation (CSAT): asked once when it is closed, answered 1–5 with
-- buttons. Kept with what the analytics report by: the channel, the intent, and who resolved it.

CREATE TABLE ratings (
    id BIGSERIAL PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    stars SMALLINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
    -- Who resolved the conversation: 'bot' or 'operator'.
    resolved_by TEXT NOT NULL CHECK (resolved_by IN ('bot', 'operator')),
    -- The intent of the request that was resolved, when one was recognised.
    intent TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- One rating per conversation; a second press changes nothing.
    UNIQUE (conversation_id),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX ratings_by_tenant_and_time ON ratings (tenant_id, created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON ratings TO otklik_tenant;
GRANT USAGE ON SEQUENCE ratings_id_seq TO otklik_tenant;
ALTER TABLE ratings ENABLE ROW LEVEL SECURITY;
ALTER TABLE ratings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON ratings TO otklik_tenant
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
DO $$
BEGIN
    EXECUTE format('CREATE POLICY service_role ON ratings TO %I USING (true) WITH CHECK (true)',
                   current_user);
END
$$;
