-- The answering assistant: dialogue state, handoff context, per-message metadata, and
-- knowledge search that tolerates typos.

-- pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE conversations
    -- What the assistant remembers between turns: the order being discussed, the article,
    -- the question it is waiting to have answered, failed turns in a row.
    ADD COLUMN assistant_state JSONB NOT NULL DEFAULT '{}'::jsonb
        CHECK (jsonb_typeof(assistant_state) = 'object'),
    -- Why and with what context people were asked to take over, for the operator's inbox.
    ADD COLUMN handoff_reason  TEXT,
    ADD COLUMN handoff_summary TEXT,
    ADD COLUMN handoff_at      TIMESTAMPTZ;

ALTER TABLE messages
    -- Outbound bot replies: intent, confidence, responder, knowledge articles used.
    ADD COLUMN meta JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(meta) = 'object');

CREATE INDEX knowledge_articles_title_trgm_idx ON knowledge_articles USING gin (title gin_trgm_ops);
