DROP INDEX messages_articles_idx;
DROP INDEX knowledge_articles_tags_idx;
ALTER TABLE knowledge_article_versions DROP COLUMN title;
