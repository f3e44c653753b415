-- Marketplace shopper channels: WB questions, feedbacks and buyer chats and Ozon chats are read
-- through a marketplace account, answers may wait as drafts for an operator, and a conversation
-- carries what the marketplace needs to answer it (WB's per-chat reply signature) and by when.

ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('telegram', 'whatsapp', 'vk', 'webchat',
                    'wb_chat', 'wb_questions', 'wb_feedbacks', 'ozon_chat'));
ALTER TABLE channels
    -- The marketplace account a marketplace channel reads and answers through.
    ADD COLUMN account_id BIGINT,
    ADD FOREIGN KEY (tenant_id, account_id)
        REFERENCES marketplace_accounts (tenant_id, id) ON DELETE CASCADE,
    ADD CHECK ((account_id IS NOT NULL) = (kind IN ('wb_chat', 'wb_questions', 'wb_feedbacks', 'ozon_chat')));
CREATE UNIQUE INDEX channels_account_kind_key ON channels (account_id, kind)
    WHERE account_id IS NOT NULL;

ALTER TABLE conversations
    -- What the marketplace wants with an answer besides the chat id (WB buyer chats: replySign).
    ADD COLUMN reply_token  TEXT,
    -- The marketplace's answer deadline (WB questions and feedbacks: 10 days), for operators.
    ADD COLUMN reply_due_at TIMESTAMPTZ;

ALTER TABLE messages DROP CONSTRAINT messages_delivery_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_delivery_status_check
    CHECK (delivery_status IN ('draft', 'pending', 'sending', 'sent', 'failed', 'undeliverable'));
CREATE INDEX messages_drafts_idx ON messages (tenant_id, created_at) WHERE delivery_status = 'draft';
