-- Sign-up consents (issue 21): the person who creates a shop accepts the terms of service and
-- consents to the processing of their personal data (152-FZ, art. 9), and we must be able to
-- show when. Both are given at sign-up; people invited later have neither (NULL).
ALTER TABLE users
    ADD COLUMN terms_accepted_at TIMESTAMPTZ,
    ADD COLUMN personal_data_consent_at TIMESTAMPTZ;
