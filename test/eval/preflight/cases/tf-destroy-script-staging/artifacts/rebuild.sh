#!/usr/bin/env bash
set -euo pipefail

terraform init -input=false
terraform destroy -auto-approve
terraform apply -auto-approve
