ALTER TABLE audit_log DROP COLUMN api_key_id;
ALTER TABLE users DROP COLUMN tokens_valid_after;

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'tenants', 'api_keys', 'audit_log', 'billing_accounts', 'billing_events', 'channels',
        'conversation_notes', 'conversations', 'customers', 'idempotency_keys', 'invitations',
        'knowledge_article_versions', 'knowledge_articles', 'knowledge_embeddings',
        'marketplace_accounts', 'messages', 'meter_reports', 'order_status_history', 'orders',
        'password_resets', 'products', 'quick_replies', 'refresh_tokens', 'returns',
        'sync_cursors', 'sync_runs', 'usage_events', 'users'
    ] LOOP
        EXECUTE format('DROP POLICY service_role ON %I', t);
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;

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

CREATE OR REPLACE FUNCTION current_tenant_id() RETURNS BIGINT
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('otklik.tenant_id', true), '')::BIGINT $$;
