DROP FUNCTION conversations_matching(BIGINT, TEXT, INTEGER);
