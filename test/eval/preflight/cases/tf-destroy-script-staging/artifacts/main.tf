resource "aws_db_instance" "orders" {
  identifier     = "orders-staging"
  engine         = "postgres"
  instance_class = "db.t4g.large"
}
