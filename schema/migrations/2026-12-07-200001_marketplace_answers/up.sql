-- Marketplace answers: Ozon questions and reviews as channels, answers of ours withdrawn when
-- the seller answered in the marketplace's own cabinet, pending ones re-checked in turn, and
-- a WB chat's order (goodCard.rid) found among the synced orders.

ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('telegram', 'whatsapp', 'vk', 'webchat', 'wb_chat', 'wb_questions',
                    'wb_feedbacks', 'ozon_chat', 'ozon_questions', 'ozon_reviews'));
ALTER TABLE channels DROP CONSTRAINT channels_check;
ALTER TABLE channels ADD CONSTRAINT channels_check
    CHECK ((account_id IS NOT NULL) = (kind IN ('wb_chat', 'wb_questions', 'wb_feedbacks',
                                                'ozon_chat', 'ozon_questions', 'ozon_reviews')));

ALTER TABLE messages DROP CONSTRAINT messages_delivery_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_delivery_status_check
    CHECK (delivery_status IN ('draft', 'pending', 'sending', 'sent', 'failed', 'undeliverable',
                               'withdrawn'));

-- When the poller last asked the marketplace whether a waiting question, review or chat was
-- answered there; the least recently checked go first.
ALTER TABLE conversations ADD COLUMN answer_checked_at TIMESTAMPTZ;

-- A WB chat names its order by `rid`: an FBS order keeps it in `details`, an FBW order is
-- stored under it (`srid`).
CREATE INDEX orders_rid_idx ON orders (account_id, (details->>'rid')) WHERE details ? 'rid';
