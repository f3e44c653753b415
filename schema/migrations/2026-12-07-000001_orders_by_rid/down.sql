DROP INDEX orders_by_rid;
