ALTER ROLE bi_reader SET statement_timeout = '30s';
