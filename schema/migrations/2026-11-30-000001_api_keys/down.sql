DROP INDEX audit_log_tenant_action_idx;
DROP TABLE api_keys;
