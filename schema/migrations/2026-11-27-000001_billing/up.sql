-- Billing: each tenant's plan and standing, the payment provider's events as received, the
-- metered usage reported to the provider, and each billing run.

CREATE TABLE billing_accounts (
    tenant_id              BIGINT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    plan_code              TEXT NOT NULL,
    state                  TEXT NOT NULL DEFAULT 'trialing'
                           CHECK (state IN ('trialing', 'active', 'past_due', 'suspended')),
    trial_ends_at          TIMESTAMPTZ,
    -- The merchant's own ceiling on AI replies per period (overage included); NULL: none.
    reply_cap              BIGINT CHECK (reply_cap >= 0),
    provider_customer      TEXT UNIQUE,
    provider_subscription  TEXT UNIQUE,
    -- The provider's subscription status as last read (trialing, active, past_due, ...).
    subscription_status    TEXT,
    period_start           TIMESTAMPTZ NOT NULL DEFAULT now(),
    period_end             TIMESTAMPTZ,
    past_due_since         TIMESTAMPTZ,
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE billing_events (
    -- The provider's event id: an event is applied once however often it is delivered.
    id          TEXT PRIMARY KEY,
    tenant_id   BIGINT REFERENCES tenants (id) ON DELETE SET NULL,
    kind        TEXT NOT NULL,
    payload     JSONB NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_at  TIMESTAMPTZ,
    outcome     TEXT
);

-- Usage sent to the provider as one meter event. The row is written with the usage it covers
-- before the provider is called, so a retried run resends the same identifier and value.
CREATE TABLE meter_reports (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    identifier  TEXT NOT NULL UNIQUE,
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    first_usage BIGINT NOT NULL,
    last_usage  BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at     TIMESTAMPTZ
);
CREATE INDEX meter_reports_unsent_idx ON meter_reports (tenant_id) WHERE sent_at IS NULL;

ALTER TABLE usage_events ADD COLUMN meter_report_id BIGINT REFERENCES meter_reports (id);
CREATE INDEX usage_events_unreported_idx ON usage_events (tenant_id, id)
    WHERE kind = 'ai_reply' AND meter_report_id IS NULL;

CREATE TABLE billing_runs (
    id          BIGSERIAL PRIMARY KEY,
    -- The scheduler's tick: a run for a tick is recorded once.
    tick        TEXT NOT NULL UNIQUE,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    reports     INTEGER NOT NULL DEFAULT 0,
    replies     BIGINT NOT NULL DEFAULT 0,
    details     JSONB NOT NULL DEFAULT '{}'::jsonb,
    error       TEXT
);
