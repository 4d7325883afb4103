count --rules meek --format json tests/elections/meek-example-1.blt
