DROP INDEX knowledge_articles_title_trgm_idx;
ALTER TABLE messages DROP COLUMN meta;
ALTER TABLE conversations
    DROP COLUMN assistant_state,
    DROP COLUMN handoff_reason,
    DROP COLUMN handoff_summary,
    DROP COLUMN handoff_at;
