convert tests/elections/convert/bad-rank.cdf.json - --to blt
