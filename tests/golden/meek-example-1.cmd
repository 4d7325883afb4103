count --rules meek tests/elections/meek-example-1.blt
