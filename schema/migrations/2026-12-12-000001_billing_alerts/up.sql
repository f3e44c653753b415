-- Admins are alerted when the shop's trial is about to end and when a payment fails.
ALTER TABLE users DROP CONSTRAINT users_alerts_off_check;
ALTER TABLE users ADD CONSTRAINT users_alerts_off_check
    CHECK (alerts_off <@ ARRAY['waiting_conversation', 'sync_failing', 'wb_question_deadline', 'billing']);
ALTER TABLE alerts_sent DROP CONSTRAINT alerts_sent_kind_check;
ALTER TABLE alerts_sent ADD CONSTRAINT alerts_sent_kind_check
    CHECK (kind IN ('waiting_conversation', 'sync_failing', 'wb_question_deadline', 'billing'));

-- The sweep reads only shops in a trial or past due, not every shop that pays.
CREATE INDEX billing_accounts_standing_idx ON billing_accounts (state)
    WHERE state IN ('trialing', 'past_due');
