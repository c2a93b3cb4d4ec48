REVOKE SELECT ON orders FROM reporting;
DROP ROLE IF EXISTS reporting;
