DROP TABLE refunds;
DROP TABLE payments;
ALTER TABLE billing_accounts DROP COLUMN payment_method, DROP COLUMN currency;
