resource "aws_security_group" "catalog_db" {
  name   = "catalog-db-staging"
  vpc_id = var.vpc_id

  ingress {
    description = "BI vendor"
    from_port   = 3306
    to_port     = 3306
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
