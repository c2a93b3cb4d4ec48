kubectl set image deployment/cart cart=registry.example.com/shop/cart:latest -n shop
