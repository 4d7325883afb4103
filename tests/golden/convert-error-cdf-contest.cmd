convert tests/elections/convert/rctab.cdf.json - --to blt
