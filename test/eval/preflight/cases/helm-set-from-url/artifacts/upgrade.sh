helm upgrade search shop-charts/search -n search-dev -f https://raw.githubusercontent.com/acme/platform/main/values/search.yaml
