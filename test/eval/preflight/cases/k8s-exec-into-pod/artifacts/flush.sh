kubectl exec -n shop-staging deploy/cart -c cart -- rm -rf /var/cache/cart
