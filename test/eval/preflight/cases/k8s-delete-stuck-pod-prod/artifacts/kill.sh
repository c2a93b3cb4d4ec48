kubectl delete pod checkout-6d8f7c9b5-q7x2m -n shop --wait=false
