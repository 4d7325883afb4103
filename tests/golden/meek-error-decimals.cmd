count --rules meek --decimals 6 tests/elections/meek-example-1.blt
