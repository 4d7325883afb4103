convert tests/elections/convert/bad-candidate.json - --to blt
