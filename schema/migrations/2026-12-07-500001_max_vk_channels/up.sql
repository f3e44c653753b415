-- MAX bots and VK community messages: the `max` channel kind (`vk` was reserved from the start),
-- and shoppers who told the channel to stop writing to them.

ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('telegram', 'whatsapp', 'vk', 'max', 'webchat',
                    'wb_chat', 'wb_questions', 'wb_feedbacks', 'ozon_chat', 'ozon_questions',
                    'ozon_reviews'));

ALTER TABLE customers
    -- The shopper stopped the bot (MAX `bot_stopped`) or denied the community's messages (VK
    -- `message_deny`): nothing is sent to them until they start it or write again.
    ADD COLUMN stopped_at TIMESTAMPTZ;
