convert tests/golden/convert-blt-cdf.out - --from cdf --to blt
