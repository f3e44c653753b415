-- A delivery asks when the shopper last wrote (WhatsApp answers freely only within 24 hours of
-- it): each of the customer's conversations is read from its newest inbound message, one index
-- entry, whatever the planner thinks of the table's size.
CREATE INDEX messages_inbound_history_idx ON messages (conversation_id, id)
    WHERE direction = 'inbound';
