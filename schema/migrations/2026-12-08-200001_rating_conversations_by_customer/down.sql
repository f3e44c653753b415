DROP INDEX conversations_by_customer;
