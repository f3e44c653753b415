-- Connecting a marketplace account from the admin API: the account is stored first and its
-- credentials are checked by a worker, so it has a connection status of its own next to the
-- sync health (`sync_status`, `failures`, `last_synced_at`). `enabled` stays the switch the
-- scheduler and the inbox polls read; it is true exactly while the account is `connected`.

ALTER TABLE marketplace_accounts
    ADD COLUMN status TEXT NOT NULL DEFAULT 'connected'
        CHECK (status IN ('checking', 'connected', 'rejected', 'disconnected')),
    -- The last check's report for the seller, in Russian: what to fix and what to know.
    ADD COLUMN problems TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN notes TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN checked_at TIMESTAMPTZ,
    -- When the token or key stops working, when the marketplace says.
    ADD COLUMN credentials_expire_at TIMESTAMPTZ,
    -- Bumped whenever credentials are sent for a check: a check job carries the generation it
    -- was made for, so a retried or overtaken job changes nothing.
    ADD COLUMN check_generation INTEGER NOT NULL DEFAULT 0 CHECK (check_generation >= 0);

UPDATE marketplace_accounts SET status = 'disconnected' WHERE NOT enabled;
