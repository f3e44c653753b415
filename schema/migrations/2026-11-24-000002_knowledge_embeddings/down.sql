DROP TABLE knowledge_embeddings;
