DROP INDEX conversations_assignee_idx;
DROP INDEX conversations_activity_idx;
DROP INDEX messages_body_search_idx;
DROP TABLE conversation_notes;
