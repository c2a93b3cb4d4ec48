helm upgrade shipping ./chart -n logistics --reuse-values -f values-pdb.yaml --wait
