DROP INDEX messages_drafts_idx;
DELETE FROM messages WHERE delivery_status = 'draft';
ALTER TABLE messages DROP CONSTRAINT messages_delivery_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_delivery_status_check
    CHECK (delivery_status IN ('pending', 'sending', 'sent', 'failed', 'undeliverable'));

ALTER TABLE conversations DROP COLUMN reply_due_at, DROP COLUMN reply_token;

DELETE FROM channels WHERE kind = 'wb_feedbacks';
DROP INDEX channels_account_kind_key;
ALTER TABLE channels DROP COLUMN account_id;
ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('telegram', 'whatsapp', 'vk', 'webchat', 'wb_chat', 'wb_questions', 'ozon_chat'));
