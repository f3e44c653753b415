-- Security hardening (issue 17).
--
-- Row-level security becomes a real second wall. The admin API now logs in as `otklik_tenant`
-- itself (scripts/setup gives the role LOGIN; it is no member of the service's role, so a
-- statement it runs cannot switch back to an unrestricted role), policies are FORCEd, so they
-- bind the tables' owner as well (the service's role gets a policy of its own that keeps its
-- cross-tenant work possible, and any other role gets nothing), and `current_tenant_id()`
-- refuses to answer when no tenant was named instead of quietly reading as NULL.

-- Raises "unrecognized configuration parameter otklik.no_tenant_named" when the connection
-- named no tenant. Still plain SQL, so the planner inlines it into the policies and the inbox
-- search keeps using its indexes.
CREATE OR REPLACE FUNCTION current_tenant_id() RETURNS BIGINT
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT COALESCE(NULLIF(current_setting('otklik.tenant_id', true), ''),
                        current_setting('otklik.no_tenant_named'))::BIGINT
    $$;

-- The inbox search no longer trusts a missing tenant: whoever calls it names one first.
CREATE OR REPLACE FUNCTION conversations_matching(tenant BIGINT, words TEXT, cap INTEGER)
    RETURNS TABLE (conversation_id BIGINT)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT m.conversation_id FROM messages m
         WHERE m.tenant_id = tenant
           AND tenant = current_tenant_id()
           AND m.body_search @@ websearch_to_tsquery('russian', words)
         LIMIT cap
    $$;

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
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY service_role ON %I TO %I USING (true) WITH CHECK (true)',
            t, current_user);
    END LOOP;
END
$$;

-- Access tokens signed before this moment are refused (role change, disabling, a new
-- password); checked on every request through a short cache.
ALTER TABLE users ADD COLUMN tokens_valid_after TIMESTAMPTZ;

-- Which API key acted, for every audit row written on a request made with one: the admin API
-- names the key on its connection, as it names the tenant.
ALTER TABLE audit_log
    ADD COLUMN api_key_id BIGINT
        DEFAULT NULLIF(current_setting('otklik.api_key_id', true), '')::BIGINT;
