kubectl patch deployment cart -n shop --type json --patch-file replicas.json
