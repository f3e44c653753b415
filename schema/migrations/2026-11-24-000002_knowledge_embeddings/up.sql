-- Article vectors for retrieval by meaning. pgvector is not packaged in Debian 12, so vectors are
-- plain REAL[] and cosine is computed in the app; one tenant's knowledge base is small enough.
CREATE TABLE knowledge_embeddings (
    tenant_id  BIGINT NOT NULL,
    article_id BIGINT NOT NULL,
    version    INTEGER NOT NULL CHECK (version > 0),
    model      TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    embedding  REAL[] NOT NULL CHECK (cardinality(embedding) BETWEEN 1 AND 8192),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, model),
    FOREIGN KEY (tenant_id, article_id) REFERENCES knowledge_articles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX knowledge_embeddings_tenant_idx ON knowledge_embeddings (tenant_id, model);
