-- Order news: a sync finds the status changes it recorded, and the conversations whose
-- shoppers proved those orders theirs, without scanning a tenant's history or conversations.
CREATE INDEX order_status_history_recorded_idx ON order_status_history (tenant_id, recorded_at);
CREATE INDEX conversations_verified_orders_idx
    ON conversations USING gin ((assistant_state -> 'verified_orders'));
