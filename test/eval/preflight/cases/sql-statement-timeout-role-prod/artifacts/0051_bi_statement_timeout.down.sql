ALTER ROLE bi_reader RESET statement_timeout;
