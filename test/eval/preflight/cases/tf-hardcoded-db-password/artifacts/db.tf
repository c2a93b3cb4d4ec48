resource "aws_db_instance" "payments" {
  identifier        = "payments-staging"
  engine            = "postgres"
  instance_class    = "db.r6g.large"
  allocated_storage = 100
  username          = "payments"
  password          = "S3cure-Passw0rd-2026!"
  deletion_protection = true
}
