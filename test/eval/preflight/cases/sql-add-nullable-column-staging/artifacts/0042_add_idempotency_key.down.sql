ALTER TABLE orders DROP COLUMN IF EXISTS idempotency_key;
