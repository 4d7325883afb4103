convert tests/golden/convert-blt-json.out - --from json --to blt
