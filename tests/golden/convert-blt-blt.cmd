convert tests/elections/convert/small.blt - --to blt
