convert tests/elections/convert/bad-syntax.json - --to blt
