convert tests/elections/convert/refused-cdf-weight.blt - --to cdf
