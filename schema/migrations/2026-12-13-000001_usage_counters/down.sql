DROP TRIGGER usage_counters_add ON usage_events;
DROP FUNCTION usage_counters_add();
DROP TABLE usage_counters;
