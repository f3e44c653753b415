ALTER TABLE customers DROP COLUMN stopped_at;
DELETE FROM channels WHERE kind = 'max';
ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('telegram', 'whatsapp', 'vk', 'webchat',
                    'wb_chat', 'wb_questions', 'wb_feedbacks', 'ozon_chat', 'ozon_questions',
                    'ozon_reviews'));
