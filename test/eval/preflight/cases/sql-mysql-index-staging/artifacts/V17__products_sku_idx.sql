-- mysql
CREATE INDEX products_sku_idx ON products (sku) ALGORITHM=INPLACE LOCK=NONE;
