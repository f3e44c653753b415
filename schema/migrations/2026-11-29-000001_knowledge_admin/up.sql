-- The knowledge editor. A version carries its own title, so an edited draft shows nowhere in
-- the assistant's answers until it is approved (the article's title follows the live version);
-- tags are filterable; bot replies that quoted an article are counted through an index.

ALTER TABLE knowledge_article_versions ADD COLUMN title TEXT;
UPDATE knowledge_article_versions v SET title = a.title
  FROM knowledge_articles a WHERE a.id = v.article_id;
ALTER TABLE knowledge_article_versions
    ALTER COLUMN title SET NOT NULL,
    ADD CONSTRAINT knowledge_article_versions_title_check CHECK (length(title) BETWEEN 1 AND 300);

CREATE INDEX knowledge_articles_tags_idx ON knowledge_articles USING gin (tags);

-- Usage counts: `meta->'articles' @> '[id]'` over the tenant's bot replies.
CREATE INDEX messages_articles_idx ON messages USING gin ((meta -> 'articles') jsonb_path_ops)
    WHERE author = 'bot';
