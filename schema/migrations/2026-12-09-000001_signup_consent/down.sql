ALTER TABLE users
    DROP COLUMN personal_data_consent_at,
    DROP COLUMN terms_accepted_at;
