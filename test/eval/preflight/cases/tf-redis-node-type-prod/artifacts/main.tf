variable "node_type" {
  type    = string
  default = "cache.r7g.xlarge"
}

resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions-prod"
  description                = "storefront sessions"
  node_type                  = var.node_type
  num_cache_clusters         = 3
  automatic_failover_enabled = true
  transit_encryption_enabled = true
  auth_token                 = var.redis_auth_token
  apply_immediately          = false
}

resource "aws_db_parameter_group" "orders" {
  name   = "orders-pg15"
  family = "postgres15"

  parameter {
    name         = "max_connections"
    value        = "500"
    apply_method = "pending-reboot"
  }
  parameter {
    name  = "password_encryption"
    value = "scram-sha-256"
  }
}
