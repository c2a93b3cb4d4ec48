resource "aws_db_instance" "orders_dev" {
  identifier          = "orders-dev"
  engine              = "postgres"
  instance_class      = "db.t4g.medium"
  allocated_storage   = 50
  publicly_accessible = true
  skip_final_snapshot = true
  username            = "orders"
  manage_master_user_password = true
}
