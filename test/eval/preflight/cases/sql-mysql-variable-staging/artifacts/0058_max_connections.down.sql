-- mysql
SET GLOBAL max_connections = 151;
