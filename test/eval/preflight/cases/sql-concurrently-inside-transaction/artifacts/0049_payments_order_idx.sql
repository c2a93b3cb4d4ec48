BEGIN;
ALTER TABLE payments ADD COLUMN IF NOT EXISTS settled_at timestamptz;
CREATE INDEX CONCURRENTLY payments_order_idx ON payments (order_id);
COMMIT;
