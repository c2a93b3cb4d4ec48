-- cannot restore
SELECT 1;
