DROP INDEX payments_created_idx;
