CREAT INDEX payments_created_idx ON payments (created_at);
