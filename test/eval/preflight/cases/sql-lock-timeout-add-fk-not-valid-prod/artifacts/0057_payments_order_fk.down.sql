ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_order_fk;
