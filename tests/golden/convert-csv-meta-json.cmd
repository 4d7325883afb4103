convert tests/elections/convert/meta.csv - --to json
