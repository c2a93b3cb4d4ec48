resource "aws_db_instance" "orders_replica" {
  identifier          = "orders-staging-replica"
  replicate_source_db = aws_db_instance.orders.identifier
  instance_class      = "db.r6g.large"
  skip_final_snapshot = true

  tags = {
    service = "orders"
}
