convert tests/elections/convert/refused-csv-name.blt - --to csv
