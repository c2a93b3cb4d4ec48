ALTER TABLE orders ADD COLUMN IF NOT EXISTS idempotency_key text;
