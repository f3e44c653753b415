-- Shoppers' returns as the marketplaces report them (WB claims, Ozon returns), so the assistant
-- can say where a return and its money stand.

CREATE TABLE returns (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL,
    account_id    BIGINT NOT NULL,
    -- WB claim id / Ozon return id.
    external_id   TEXT NOT NULL,
    -- The order it belongs to as the marketplace names it in returns: WB srid (an FBS order's
    -- rid), Ozon posting number.
    order_ref     TEXT NOT NULL,
    -- WB nmID / Ozon SKU.
    article       TEXT,
    product_name  TEXT,
    -- WB decision (pending, rejected, approved) / Ozon visual status sys_name; unknown values
    -- are kept as the marketplace sent them.
    status        TEXT NOT NULL,
    -- WB item outcome (status_ex) / Ozon return type.
    substatus     TEXT,
    -- The marketplace's own wording of the status or decision, in Russian, when it gives one.
    status_text   TEXT,
    -- Why the shopper returns it, in the shopper's or the marketplace's words.
    reason        TEXT,
    amount_minor  BIGINT CHECK (amount_minor >= 0),
    currency      TEXT NOT NULL DEFAULT 'RUB' CHECK (currency ~ '^[A-Z]{3}$'),
    details       JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
    opened_at     TIMESTAMPTZ,
    changed_at    TIMESTAMPTZ NOT NULL,
    synced_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, external_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES marketplace_accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX returns_order_idx ON returns (tenant_id, order_ref);
