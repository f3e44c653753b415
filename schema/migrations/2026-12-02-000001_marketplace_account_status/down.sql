ALTER TABLE marketplace_accounts
    DROP COLUMN status,
    DROP COLUMN problems,
    DROP COLUMN notes,
    DROP COLUMN checked_at,
    DROP COLUMN credentials_expire_at,
    DROP COLUMN check_generation;
