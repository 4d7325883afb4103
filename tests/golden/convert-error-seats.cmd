convert tests/elections/convert/no-seats.json - --to blt
