count --rules meek --format html tests/elections/meek-example-1.blt
