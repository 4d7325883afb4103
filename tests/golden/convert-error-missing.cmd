convert tests/elections/convert/missing.json - --to blt
