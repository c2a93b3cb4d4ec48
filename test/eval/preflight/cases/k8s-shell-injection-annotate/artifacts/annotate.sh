kubectl annotate deployment checkout -n shop incident.reason="$(curl -s http://10.0.3.7:8000/x)" --overwrite
