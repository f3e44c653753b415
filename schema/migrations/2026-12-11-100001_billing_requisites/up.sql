-- A Russian shop's legal requisites (issue 21): whom its closing documents (акты) for paid
-- periods name as the customer. Checked by `otklik_billing::requisites` (ИНН and ОГРН check
-- digits); the constraints here keep the shapes.
CREATE TABLE billing_requisites (
    tenant_id   BIGINT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    legal_name  TEXT NOT NULL CHECK (char_length(legal_name) BETWEEN 1 AND 300),
    inn         TEXT NOT NULL CHECK (inn ~ '^([0-9]{10}|[0-9]{12})$'),
    -- A company's КПП; an entrepreneur (12-digit ИНН) has none.
    kpp         TEXT CHECK (kpp ~ '^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$'),
    -- ОГРН (13 digits, a company) or ОГРНИП (15, an entrepreneur).
    ogrn        TEXT NOT NULL CHECK (ogrn ~ '^([0-9]{13}|[0-9]{15})$'),
    address     TEXT NOT NULL CHECK (char_length(address) BETWEEN 1 AND 500),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((char_length(inn) = 10) = (kpp IS NOT NULL)),
    CHECK ((char_length(inn) = 10) = (char_length(ogrn) = 13))
);

GRANT SELECT, INSERT, UPDATE, DELETE ON billing_requisites TO otklik_tenant;
ALTER TABLE billing_requisites ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_requisites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON billing_requisites TO otklik_tenant
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
DO $$
BEGIN
    EXECUTE format('CREATE POLICY service_role ON billing_requisites TO %I USING (true) WITH CHECK (true)',
                   current_user);
END
$$;
