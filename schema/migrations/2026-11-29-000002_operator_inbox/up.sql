-- The operator inbox: private notes beside the messages, full-text search over what was
-- written, and indexes for the inbox's views (by last activity, and "assigned to me").

-- Notes are operators' words to each other, never sent. They live in their own table so no
-- delivery, web-chat history or assistant context that reads `messages` can ever pick one up.
-- Their ids come from the messages' sequence: one conversation timeline sorts by id alone.
CREATE TABLE conversation_notes (
    id              BIGINT PRIMARY KEY DEFAULT nextval('messages_id_seq'),
    tenant_id       BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL,
    author_user_id  BIGINT,
    body            TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    -- A retried POST (same Idempotency-Key) records the note once.
    idempotency_key TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_user_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (author_user_id)
);
CREATE INDEX conversation_notes_history_idx ON conversation_notes (conversation_id, id);
CREATE UNIQUE INDEX conversation_notes_idempotency_key ON conversation_notes (tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Operators search conversations by what shoppers and the shop wrote (same config as knowledge).
CREATE INDEX messages_body_search_idx ON messages USING gin (to_tsvector('russian', body));

-- The inbox lists by last activity across modes ("all", and the cursor's tie-break on id) and
-- the conversations one operator handles.
CREATE INDEX conversations_activity_idx ON conversations (tenant_id, last_message_at, id);
CREATE INDEX conversations_assignee_idx ON conversations (tenant_id, assignee_id, last_message_at, id)
    WHERE mode = 'operator';
