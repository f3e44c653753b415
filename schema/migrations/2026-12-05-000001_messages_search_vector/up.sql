-- The inbox search reads each message's words many times: the walk over the newest
-- conversations probes every message of each, and the index's matches are rechecked against
-- the row. With only an expression index, each probe and recheck stems the whole body again.
-- The stemmed words are stored once, when the message is written, and searched from there.
-- (Diesel's schema leaves the column out: nothing in Rust reads or writes it.)
ALTER TABLE messages
    ADD COLUMN body_search tsvector GENERATED ALWAYS AS (to_tsvector('russian', body)) STORED;

DROP INDEX messages_body_search_idx;
CREATE INDEX messages_body_search_idx ON messages USING gin (body_search);

CREATE OR REPLACE FUNCTION conversations_matching(tenant BIGINT, words TEXT, cap INTEGER)
    RETURNS TABLE (conversation_id BIGINT)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT m.conversation_id FROM messages m
         WHERE m.tenant_id = tenant
           AND tenant = COALESCE(current_tenant_id(), tenant)
           AND m.body_search @@ websearch_to_tsquery('russian', words)
         LIMIT cap
    $$;
