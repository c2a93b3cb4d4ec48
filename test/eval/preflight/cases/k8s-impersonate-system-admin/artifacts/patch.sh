kubectl --as=system:admin --as-group=system:masters patch deployment cart -n shop-staging -p '{"spec":{"replicas":4}}'
