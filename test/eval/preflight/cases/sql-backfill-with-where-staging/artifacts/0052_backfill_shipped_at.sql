UPDATE orders SET shipped_at = updated_at WHERE status = 'shipped' AND shipped_at IS NULL;
