kubectl patch deployment pricing -n pricing -p '{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-12-01T10:15:00Z"}}}}}'
