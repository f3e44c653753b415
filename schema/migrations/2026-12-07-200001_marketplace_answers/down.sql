DROP INDEX orders_rid_idx;
ALTER TABLE conversations DROP COLUMN answer_checked_at;
UPDATE messages SET delivery_status = 'undeliverable' WHERE delivery_status = 'withdrawn';
ALTER TABLE messages DROP CONSTRAINT messages_delivery_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_delivery_status_check
    CHECK (delivery_status IN ('draft', 'pending', 'sending', 'sent', 'failed', 'undeliverable'));
DELETE FROM channels WHERE kind IN ('ozon_questions', 'ozon_reviews');
ALTER TABLE channels DROP CONSTRAINT channels_check;
ALTER TABLE channels ADD CONSTRAINT channels_check
    CHECK ((account_id IS NOT NULL) = (kind IN ('wb_chat', 'wb_questions', 'wb_feedbacks', 'ozon_chat')));
ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('telegram', 'whatsapp', 'vk', 'webchat',
                    'wb_chat', 'wb_questions', 'wb_feedbacks', 'ozon_chat'));
