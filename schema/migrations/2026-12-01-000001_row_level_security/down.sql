DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'tenants', 'api_keys', 'audit_log', 'billing_accounts', 'billing_events', 'channels',
        'conversation_notes', 'conversations', 'customers', 'invitations',
        'knowledge_article_versions', 'knowledge_articles', 'knowledge_embeddings',
        'marketplace_accounts', 'messages', 'meter_reports', 'order_status_history', 'orders',
        'password_resets', 'products', 'quick_replies', 'refresh_tokens', 'returns',
        'sync_cursors', 'sync_runs', 'usage_events', 'users'
    ] LOOP
        EXECUTE format('DROP POLICY tenant_scope ON %I', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
        EXECUTE format('REVOKE ALL ON %I FROM otklik_tenant', t);
    END LOOP;
END
$$;
REVOKE USAGE ON ALL SEQUENCES IN SCHEMA public FROM otklik_tenant;
REVOKE USAGE ON SCHEMA public FROM otklik_tenant;
DROP FUNCTION current_tenant_id();
