resource "kubernetes_deployment_v1" "inventory_agent" {
  metadata {
    name      = "inventory-agent"
    namespace = "inventory"
  }
  spec {
    replicas = 1
    selector {
      match_labels = { app = "inventory-agent" }
    }
    template {
      metadata {
        labels = { app = "inventory-agent" }
      }
      spec {
        container {
          name  = "agent"
          image = "registry.example.com/shop/inventory-agent:0.4.2"
          security_context {
            privileged = true
          }
        }
      }
    }
  }
}
