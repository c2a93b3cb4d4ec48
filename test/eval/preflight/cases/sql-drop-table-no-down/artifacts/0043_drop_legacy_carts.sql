DROP TABLE legacy_carts;
