-- The inbox's full-text search under row-level security. As `otklik_tenant`, PostgreSQL must
-- apply the tenant policy before any qual that is not leakproof, and `@@` is not, so it would
-- read every message of the tenant instead of using `messages_body_search_idx`. This function
-- runs as the tables' owner, so the index is used, and reads only the tenant the connection
-- names (`current_tenant_id()`); on the owner's own connections, which name none, it trusts
-- the tenant passed in, as the owner's queries do. It answers the conversation of each matching
-- message (repeats included), at most `cap` of them (NULL: all), so a caller can tell whether a
-- word is rare enough to take every match from here.
CREATE FUNCTION conversations_matching(tenant BIGINT, words TEXT, cap INTEGER)
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

REVOKE ALL ON FUNCTION conversations_matching(BIGINT, TEXT, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conversations_matching(BIGINT, TEXT, INTEGER) TO otklik_tenant;
