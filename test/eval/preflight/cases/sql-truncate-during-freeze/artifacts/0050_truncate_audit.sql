TRUNCATE TABLE order_audit;
