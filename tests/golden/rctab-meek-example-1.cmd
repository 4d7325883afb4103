count --rules meek --format rctab tests/elections/meek-example-1.blt
