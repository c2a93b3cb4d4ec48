resource "aws_db_instance" "orders" {
  identifier                = "orders-prod"
  engine                    = "postgres"
  engine_version            = "15.6"
  instance_class            = "db.r6g.xlarge"
  allocated_storage         = 400
  storage_encrypted         = true
  multi_az                  = true
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "orders-prod-final"
  apply_immediately         = false
  username                  = "orders_admin"
  manage_master_user_password = true
  db_subnet_group_name      = aws_db_subnet_group.orders.name
  vpc_security_group_ids    = [aws_security_group.orders_db.id]

  tags = {
    service = "orders"
    owner   = "team-orders"
  }
}
