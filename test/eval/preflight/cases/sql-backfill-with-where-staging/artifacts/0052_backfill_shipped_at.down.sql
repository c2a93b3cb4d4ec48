UPDATE orders SET shipped_at = NULL WHERE status = 'shipped';
