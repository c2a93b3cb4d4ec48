kubectl delete pvc data-inventory-db-0 -n inventory
kubectl delete pod inventory-db-0 -n inventory
