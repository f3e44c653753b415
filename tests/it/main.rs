//! End-to-end tests: the real ingress and workers, real PostgreSQL and Redis, fake Telegram.

mod support;

mod admin_auth;
mod admin_bad_input;
mod admin_conversations;
mod admin_customers;
mod admin_dead_letters;
mod admin_idempotency;
mod admin_isolation;
mod admin_keys;
mod admin_knowledge;
mod admin_live;
mod admin_marketplace_accounts;
mod admin_openapi;
mod admin_people;
mod admin_roles;
mod admin_settings;
mod assistant;
mod billing;
mod billing_provider;
mod crash;
mod database;
mod ingress;
mod knowledge_retrieval;
mod llm;
mod marketplace_inbox;
mod marketplace_returns;
mod marketplace_sync;
mod max;
mod messenger_limits;
mod model_replies;
mod row_security;
mod telegram;
mod vk;
mod webchat;
