ansible-playbook -i inventories/prod playbook.yml --limit search_es_prod
