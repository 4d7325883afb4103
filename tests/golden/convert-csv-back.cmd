convert tests/golden/convert-blt-csv.out - --from csv --to blt
