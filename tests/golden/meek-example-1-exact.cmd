count --rules meek --arith exact tests/elections/meek-example-1.blt
