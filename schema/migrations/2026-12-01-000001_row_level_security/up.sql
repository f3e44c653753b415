-- Row-level security: the second wall behind the admin API's query scoping.
--
-- The admin API's handlers run as `otklik_tenant`, a role without login that the service's own
-- role switches to on every connection of the ingress's tenant pool; each checkout of that pool
-- names the tenant with `set_config('otklik.tenant_id', …)` before any statement. Policies
-- then show and accept only that tenant's rows: a handler that forgot its `WHERE tenant_id`
-- still reads nothing of another shop, and a write naming another shop's tenant fails.
-- Workers and the ingress's own paths (webhooks, sign-in, token refresh) keep the owner role,
-- which row security does not restrict, because they work across tenants by design.
--
-- The role is cluster-wide: `scripts/setup` creates it and lets the service role use it; a
-- database administrator does the same in production (README, "Tenant isolation"). Without it
-- this migration stops with a message saying so.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'otklik_tenant') THEN
        RAISE EXCEPTION 'role otklik_tenant is missing: as a database superuser run '
            '`CREATE ROLE otklik_tenant NOLOGIN; GRANT otklik_tenant TO %I;` (scripts/setup does)',
            current_user;
    END IF;
    IF NOT pg_has_role(current_user, 'otklik_tenant', 'MEMBER') THEN
        RAISE EXCEPTION 'role % may not act as otklik_tenant: as a database superuser run '
            '`GRANT otklik_tenant TO %I;` (scripts/setup does)', current_user, current_user;
    END IF;
END
$$;

-- The tenant the current connection works for; NULL (no rows) when none was named.
CREATE FUNCTION current_tenant_id() RETURNS BIGINT
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('otklik.tenant_id', true), '')::BIGINT $$;

GRANT USAGE ON SCHEMA public TO otklik_tenant;
GRANT EXECUTE ON FUNCTION current_tenant_id() TO otklik_tenant;

GRANT SELECT, UPDATE ON tenants TO otklik_tenant;
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON tenants TO otklik_tenant
    USING (id = current_tenant_id()) WITH CHECK (id = current_tenant_id());

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'api_keys', 'audit_log', 'billing_accounts', 'billing_events', 'channels',
        'conversation_notes', 'conversations', 'customers', 'invitations',
        'knowledge_article_versions', 'knowledge_articles', 'knowledge_embeddings',
        'marketplace_accounts', 'messages', 'meter_reports', 'order_status_history', 'orders',
        'password_resets', 'products', 'quick_replies', 'refresh_tokens', 'returns',
        'sync_cursors', 'sync_runs', 'usage_events', 'users'
    ] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO otklik_tenant', t);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_scope ON %I TO otklik_tenant '
            'USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())',
            t);
    END LOOP;
END
$$;

GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO otklik_tenant;
