kubectl patch deployment catalog -n shop --type=json --patch-file=patch.json
