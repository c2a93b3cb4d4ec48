module "payments" {
  source  = "app.terraform.io/acme/k8s-service/kubernetes"
  version = "2.7.1"

  name         = "payments"
  namespace    = "payments"
  image        = "registry.example.com/shop/payments:3.14.0"
  replicas     = 6
  memory_limit = "1536Mi"
  cpu_request  = "1"

  env = {
    JAVA_TOOL_OPTIONS = "-XX:MaxRAMPercentage=75.0"
  }
}
