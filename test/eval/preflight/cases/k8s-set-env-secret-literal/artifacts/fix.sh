kubectl set env deployment/pricing -n pricing FX_API_KEY="sk_live_51H8x$(cat /tmp/key)"
