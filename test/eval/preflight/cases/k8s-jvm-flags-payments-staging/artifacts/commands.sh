kubectl patch deployment payments -n payments --patch-file patch-jvm.yaml
