CREATE ROLE reporting WITH LOGIN PASSWORD 'Rep0rting!2026';
GRANT SELECT ON orders TO reporting;
