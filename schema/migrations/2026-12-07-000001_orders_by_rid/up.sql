-- A WB buyer chat names its order by `rid` (goodCard.rid); the assistant looks the order up
-- by it on every such turn, so the lookup must not scan the shop's orders.
CREATE INDEX orders_by_rid ON orders (tenant_id, (details->>'rid')) WHERE details ? 'rid';
