resource "kubernetes_horizontal_pod_autoscaler_v2" "cart" {
  metadata {
    name      = "cart"
    namespace = "cart-dev"
  }

  spec {
    min_replicas = 1
    max_replicas = 4

    scale_target_ref {
      api_version = "apps/v1"
      kind        = "Deployment"
      name        = "cart"
    }

    metric {
      type = "Resource"
      resource {
        name = "cpu"
        target {
          type                = "Utilization"
          average_utilization = 70
        }
      }
    }
  }
}
