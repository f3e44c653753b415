-- Usage per tenant, kind and UTC hour, kept by a statement trigger on `usage_events`: a plan's
-- reply cap is checked on every AI turn, and summing a month of events there would cost more
-- as the shop grows. A read sums at most a month of hourly rows plus the events of the two
-- partial hours at the period's edges.
--
-- `slot` spreads one hour's row over eight by conversation, so concurrent turns of one busy
-- shop do not queue on a single row lock.
CREATE TABLE usage_counters (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    hour      TIMESTAMPTZ NOT NULL,
    slot      SMALLINT NOT NULL,
    quantity  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, hour, slot)
);

CREATE FUNCTION usage_counters_add() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_counters AS c (tenant_id, kind, hour, slot, quantity)
    SELECT tenant_id, kind, date_trunc('hour', occurred_at, 'UTC'),
           (coalesce(conversation_id, 0) % 8)::SMALLINT, sum(quantity)
    FROM inserted
    GROUP BY 1, 2, 3, 4
    -- One statement's rows in a fixed order: two statements never lock each other's rows
    -- in opposite orders.
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, hour, slot)
        DO UPDATE SET quantity = c.quantity + EXCLUDED.quantity;
    RETURN NULL;
END
$$;

CREATE TRIGGER usage_counters_add AFTER INSERT ON usage_events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION usage_counters_add();

INSERT INTO usage_counters (tenant_id, kind, hour, slot, quantity)
SELECT tenant_id, kind, date_trunc('hour', occurred_at, 'UTC'),
       (coalesce(conversation_id, 0) % 8)::SMALLINT, sum(quantity)
FROM usage_events
GROUP BY 1, 2, 3, 4;

-- Row-level security as for every tenant-owned table (2026-12-01, 2026-12-07).
GRANT SELECT, INSERT, UPDATE ON usage_counters TO otklik_tenant;
ALTER TABLE usage_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON usage_counters TO otklik_tenant
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
DO $$
BEGIN
    EXECUTE format(
        'CREATE POLICY service_role ON usage_counters TO %I USING (true) WITH CHECK (true)',
        current_user);
END
$$;
