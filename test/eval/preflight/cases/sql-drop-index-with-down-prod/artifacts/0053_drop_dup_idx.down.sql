CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx1 ON orders (customer_id);
