-- Roubles through ЮKassa beside dollars through Stripe (issue 21).
--
-- A tenant pays in one currency, chosen at sign-up; roubles are charged through ЮKassa, which
-- has payments, not subscriptions: the subscription (plan, period, retries) is ours, each
-- period is one payment recorded here before the provider is called, so a retried billing run
-- sends the same request under the same idempotence key.

ALTER TABLE billing_accounts
    ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD' CHECK (currency IN ('USD', 'RUB')),
    -- The provider's saved payment method (ЮKassa `payment_method.id`) for autopayments.
    ADD COLUMN payment_method TEXT;

CREATE TABLE payments (
    id                BIGSERIAL PRIMARY KEY,
    tenant_id         BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    purpose           TEXT NOT NULL CHECK (purpose IN ('first', 'renewal')),
    plan_code         TEXT NOT NULL,
    -- The caller's operation: the provider's idempotence key is derived from it.
    operation         TEXT NOT NULL,
    -- Minor units (kopecks), fixed when the row is written with the receipt that adds up to it.
    amount            BIGINT NOT NULL CHECK (amount > 0),
    currency          TEXT NOT NULL,
    receipt           JSONB NOT NULL,
    -- The paid period this payment buys.
    period_start      TIMESTAMPTZ NOT NULL,
    period_end        TIMESTAMPTZ NOT NULL,
    -- Renewals: the n-th try for the period (a declined card is retried on a schedule).
    attempt           INTEGER NOT NULL DEFAULT 1 CHECK (attempt > 0),
    provider_payment  TEXT UNIQUE,
    status            TEXT NOT NULL DEFAULT 'new'
                      CHECK (status IN ('new', 'pending', 'succeeded', 'canceled')),
    confirmation_url  TEXT,
    -- The provider's cancellation reason code, for people investigating, never shown as is.
    decline_reason    TEXT,
    -- Refunded so far, as read back from the provider; never above what was paid.
    refunded          BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    -- When its success was applied to the account: a success is applied once.
    applied_at        TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, operation)
);
-- One open first payment per tenant: a double click finds the one already made.
CREATE UNIQUE INDEX payments_one_open_first ON payments (tenant_id)
    WHERE purpose = 'first' AND status IN ('new', 'pending');
-- One renewal try per period and attempt.
CREATE UNIQUE INDEX payments_renewal_attempt ON payments (tenant_id, period_start, attempt)
    WHERE purpose = 'renewal';

CREATE TABLE refunds (
    id               BIGSERIAL PRIMARY KEY,
    tenant_id        BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    payment_id       BIGINT NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    operation        TEXT NOT NULL,
    amount           BIGINT NOT NULL CHECK (amount > 0),
    provider_refund  TEXT UNIQUE,
    status           TEXT NOT NULL DEFAULT 'new',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, operation)
);

-- Row security as on every tenant table (2026-12-01, 2026-12-07).
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['payments', 'refunds'] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO otklik_tenant', t);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_scope ON %I TO otklik_tenant '
            'USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())',
            t);
        EXECUTE format(
            'CREATE POLICY service_role ON %I TO %I USING (true) WITH CHECK (true)',
            t, current_user);
    END LOOP;
END
$$;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO otklik_tenant;
