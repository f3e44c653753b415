DROP TABLE billing_runs;
ALTER TABLE usage_events DROP COLUMN meter_report_id;
DROP TABLE meter_reports;
DROP TABLE billing_events;
DROP TABLE billing_accounts;
