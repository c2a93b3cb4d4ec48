kubectl delete namespace shop-staging --wait=false
