convert tests/elections/convert/small.blt - --to cdf
