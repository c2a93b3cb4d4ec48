-- nothing to do
SELECT 1;
