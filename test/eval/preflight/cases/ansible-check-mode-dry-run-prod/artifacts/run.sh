ansible-playbook -i inventories/prod playbook.yml --limit catalog_prod --check --diff
