convert tests/elections/convert/small.blt - --to json
