-- The whole domain in one first migration, so later work extends it rather than reworks it.
-- Every tenant-owned row carries tenant_id; references between tenant-owned rows go through
-- composite keys (tenant_id, id) so a row can never point at another tenant's row.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE tenants (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug          TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    -- Until the assistant can answer on its own, a tenant may keep every conversation with people.
    operator_only BOOLEAN NOT NULL DEFAULT FALSE,
    timezone      TEXT NOT NULL DEFAULT 'Europe/Moscow',
    settings      JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         TEXT NOT NULL CHECK (position('@' IN email) > 1),
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash TEXT,
    disabled_at   TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE channels (
    id             BIGSERIAL PRIMARY KEY,
    tenant_id      BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('telegram', 'whatsapp', 'vk', 'webchat',
                                                 'wb_chat', 'wb_questions', 'ozon_chat')),
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Provider credentials (bot token, API keys). Never returned by the API or logged.
    credentials    JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(credentials) = 'object'),
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);
CREATE INDEX channels_tenant_idx ON channels (tenant_id, kind);

CREATE TABLE customers (
    id           BIGSERIAL PRIMARY KEY,
    tenant_id    BIGINT NOT NULL,
    channel_id   BIGINT NOT NULL,
    -- The shopper's identity at the channel: Telegram user id, WhatsApp phone, web-chat visitor.
    external_id  TEXT NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    display_name TEXT NOT NULL DEFAULT '',
    username     TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (channel_id, external_id),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE conversations (
    id               BIGSERIAL PRIMARY KEY,
    tenant_id        BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL,
    customer_id      BIGINT NOT NULL,
    -- Where replies go at the channel (Telegram chat id, web-chat visitor id).
    external_chat_id TEXT NOT NULL CHECK (length(external_chat_id) BETWEEN 1 AND 200),
    mode             TEXT NOT NULL DEFAULT 'bot'
                     CHECK (mode IN ('bot', 'waiting_operator', 'operator', 'closed')),
    assignee_id      BIGINT,
    -- One assistant turn per conversation at a time: a lease, so a crashed turn frees itself.
    turn_lease_until TIMESTAMPTZ,
    last_message_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at        TIMESTAMPTZ,
    UNIQUE (tenant_id, id),
    CHECK ((mode = 'closed') = (closed_at IS NOT NULL)),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES users (tenant_id, id)
);
-- A customer has at most one open conversation at a channel.
CREATE UNIQUE INDEX conversations_open_key ON conversations (customer_id) WHERE mode <> 'closed';
CREATE INDEX conversations_inbox_idx ON conversations (tenant_id, mode, last_message_at DESC);

CREATE TABLE messages (
    id               BIGSERIAL PRIMARY KEY,
    tenant_id        BIGINT NOT NULL,
    conversation_id  BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL,
    direction        TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    author           TEXT NOT NULL CHECK (author IN ('shopper', 'bot', 'operator', 'system')),
    author_user_id   BIGINT,
    -- Inbound: the provider's message id (dedupe). Outbound: the id the provider gave on send.
    external_id      TEXT,
    body             TEXT NOT NULL DEFAULT '' CHECK (length(body) <= 65536),
    attachments      JSONB NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(attachments) = 'array'),
    -- Inbound shopper messages: when an assistant turn took them into account.
    answered_at      TIMESTAMPTZ,
    -- Outbound only: pending -> sending -> sent | failed | undeliverable.
    delivery_status  TEXT CHECK (delivery_status IN ('pending', 'sending', 'sent', 'failed',
                                                     'undeliverable')),
    delivery_error   TEXT,
    delivery_attempts INTEGER NOT NULL DEFAULT 0 CHECK (delivery_attempts >= 0),
    -- When the last send was handed to the provider: a send still 'sending' long after this was
    -- interrupted by a crash, and is not repeated (provider sends are not idempotent).
    delivery_claimed_at TIMESTAMPTZ,
    idempotency_key  TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at          TIMESTAMPTZ,
    UNIQUE (tenant_id, id),
    CHECK ((direction = 'inbound') = (author = 'shopper')),
    CHECK ((direction = 'outbound') = (delivery_status IS NOT NULL)),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX messages_inbound_external_key ON messages (channel_id, external_id)
    WHERE direction = 'inbound';
CREATE UNIQUE INDEX messages_idempotency_key ON messages (tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_history_idx ON messages (conversation_id, id);
CREATE INDEX messages_unanswered_idx ON messages (conversation_id)
    WHERE direction = 'inbound' AND answered_at IS NULL;
CREATE INDEX messages_undelivered_idx ON messages (conversation_id)
    WHERE delivery_status IN ('pending', 'sending');

CREATE TABLE knowledge_articles (
    id                 BIGSERIAL PRIMARY KEY,
    tenant_id          BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    title              TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    category           TEXT NOT NULL DEFAULT '',
    tags               TEXT[] NOT NULL DEFAULT '{}',
    status             TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'archived')),
    current_version    INTEGER,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);

CREATE TABLE knowledge_article_versions (
    id             BIGSERIAL PRIMARY KEY,
    tenant_id      BIGINT NOT NULL,
    article_id     BIGINT NOT NULL,
    version        INTEGER NOT NULL CHECK (version > 0),
    body           TEXT NOT NULL CHECK (length(body) <= 200000),
    author_user_id BIGINT,
    approved_at    TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (article_id, version),
    FOREIGN KEY (tenant_id, article_id) REFERENCES knowledge_articles (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX knowledge_versions_search_idx ON knowledge_article_versions
    USING gin (to_tsvector('russian', body));

CREATE TABLE marketplace_accounts (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    marketplace TEXT NOT NULL CHECK (marketplace IN ('wb', 'ozon')),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    credentials JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(credentials) = 'object'),
    sync_status TEXT NOT NULL DEFAULT 'idle' CHECK (sync_status IN ('idle', 'running', 'failing')),
    last_error  TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);

CREATE TABLE products (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL,
    account_id    BIGINT NOT NULL,
    external_id   TEXT NOT NULL,
    vendor_code   TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL DEFAULT '',
    brand         TEXT NOT NULL DEFAULT '',
    price_minor   BIGINT CHECK (price_minor >= 0),
    currency      TEXT NOT NULL DEFAULT 'RUB' CHECK (currency ~ '^[A-Z]{3}$'),
    stock         INTEGER,
    attributes    JSONB NOT NULL DEFAULT '{}'::jsonb,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, external_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES marketplace_accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX products_lookup_idx ON products (tenant_id, external_id);

CREATE TABLE orders (
    id             BIGSERIAL PRIMARY KEY,
    tenant_id      BIGINT NOT NULL,
    account_id     BIGINT NOT NULL,
    -- WB order id / Ozon posting number.
    external_id    TEXT NOT NULL,
    status         TEXT NOT NULL,
    substatus      TEXT,
    items          JSONB NOT NULL DEFAULT '[]'::jsonb,
    total_minor    BIGINT CHECK (total_minor >= 0),
    currency       TEXT NOT NULL DEFAULT 'RUB' CHECK (currency ~ '^[A-Z]{3}$'),
    details        JSONB NOT NULL DEFAULT '{}'::jsonb,
    placed_at      TIMESTAMPTZ,
    changed_at     TIMESTAMPTZ,
    synced_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (account_id, external_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES marketplace_accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX orders_lookup_idx ON orders (tenant_id, external_id);

CREATE TABLE order_status_history (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT NOT NULL,
    order_id    BIGINT NOT NULL,
    status      TEXT NOT NULL,
    substatus   TEXT,
    changed_at  TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX order_status_history_key
    ON order_status_history (order_id, status, coalesce(substatus, ''), changed_at);

CREATE TABLE sync_runs (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT NOT NULL,
    account_id  BIGINT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('incremental', 'full')),
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    pages       INTEGER NOT NULL DEFAULT 0,
    rows        INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    FOREIGN KEY (tenant_id, account_id) REFERENCES marketplace_accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sync_runs_account_idx ON sync_runs (account_id, started_at DESC);

CREATE TABLE sync_cursors (
    tenant_id  BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    resource   TEXT NOT NULL,
    cursor     JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, resource),
    FOREIGN KEY (tenant_id, account_id) REFERENCES marketplace_accounts (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE usage_events (
    id              BIGSERIAL PRIMARY KEY,
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('ai_reply', 'llm_tokens', 'handoff')),
    quantity        BIGINT NOT NULL CHECK (quantity >= 0),
    conversation_id BIGINT,
    idempotency_key TEXT NOT NULL,
    details         JSONB NOT NULL DEFAULT '{}'::jsonb,
    occurred_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE SET NULL (conversation_id)
);
CREATE INDEX usage_events_period_idx ON usage_events (tenant_id, kind, occurred_at);

CREATE TABLE audit_log (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_user_id BIGINT,
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL,
    target_id     TEXT,
    details       JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, actor_user_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (actor_user_id)
);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, created_at DESC);
