-- E-mail alerts to a shop's people (workers/README.md, "Alerts").

-- The alert kinds a person switched off; every other kind is on. Stored as what is off, so a
-- kind added later reaches admins and operators without a backfill.
ALTER TABLE users ADD COLUMN alerts_off TEXT[] NOT NULL DEFAULT '{}'
    CHECK (alerts_off <@ ARRAY['waiting_conversation', 'sync_failing', 'wb_question_deadline']);

-- One row per alert mailed: the sender claims (user, kind, subject) before sending and gives the
-- claim back when the send fails, so a sweep run twice, or retried, mails once.
CREATE TABLE alerts_sent (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('waiting_conversation', 'sync_failing', 'wb_question_deadline')),
    -- What the alert is about, e.g. `conversation:42@1765432100` (the conversation and its
    -- handoff): a later handoff of the same conversation is a new subject.
    subject TEXT NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind, subject)
);

CREATE INDEX alerts_sent_by_tenant ON alerts_sent (tenant_id, sent_at);

-- The alert sweep reads only conversations waiting for a person, oldest handoff first: its cost
-- follows the waiting queue, not a shop's history.
CREATE INDEX conversations_waiting_idx ON conversations (handoff_at) WHERE mode = 'waiting_operator';

-- The deadline sweep reads only open conversations with a marketplace's answer deadline.
CREATE INDEX conversations_reply_due_idx ON conversations (reply_due_at)
    WHERE reply_due_at IS NOT NULL AND mode <> 'closed';

-- When the account's current failure streak began (cleared by a successful sync), so a failing
-- sync alerts once per streak.
ALTER TABLE marketplace_accounts ADD COLUMN failing_since TIMESTAMPTZ;
CREATE INDEX marketplace_accounts_failing_idx ON marketplace_accounts (failing_since)
    WHERE failing_since IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON alerts_sent TO otklik_tenant;
ALTER TABLE alerts_sent ENABLE ROW LEVEL SECURITY;
ALTER TABLE alerts_sent FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON alerts_sent TO otklik_tenant
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
DO $$
BEGIN
    EXECUTE format('CREATE POLICY service_role ON alerts_sent TO %I USING (true) WITH CHECK (true)',
                   current_user);
END
$$;
