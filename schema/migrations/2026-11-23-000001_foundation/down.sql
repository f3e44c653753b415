DROP TABLE IF EXISTS audit_log, usage_events, sync_cursors, sync_runs, order_status_history, orders,
    products, marketplace_accounts, knowledge_article_versions, knowledge_articles, messages,
    conversations, customers, channels, users, tenants;
