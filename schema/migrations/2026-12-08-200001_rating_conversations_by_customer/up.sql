-- A shopper's conversations, newest first, by key: the web chat finds a visitor's latest one
-- (open or closed) to rate without scanning the channel's conversations.
CREATE INDEX conversations_by_customer ON conversations (customer_id, id);
