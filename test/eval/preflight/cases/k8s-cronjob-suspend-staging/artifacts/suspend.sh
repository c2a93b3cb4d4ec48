kubectl patch cronjob stock-reconcile -n inventory --type merge -p '{"spec":{"suspend":true}}'
