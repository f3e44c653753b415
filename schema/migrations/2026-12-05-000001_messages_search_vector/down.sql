CREATE OR REPLACE FUNCTION conversations_matching(tenant BIGINT, words TEXT, cap INTEGER)
    RETURNS TABLE (conversation_id BIGINT)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT m.conversation_id FROM messages m
         WHERE m.tenant_id = tenant
           AND tenant = COALESCE(current_tenant_id(), tenant)
           AND to_tsvector('russian', m.body) @@ websearch_to_tsquery('russian', words)
         LIMIT cap
    $$;

DROP INDEX messages_body_search_idx;
ALTER TABLE messages DROP COLUMN body_search;
CREATE INDEX messages_body_search_idx ON messages USING gin (to_tsvector('russian', body));
