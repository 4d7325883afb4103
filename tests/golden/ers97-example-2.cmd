count --rules ers97 tests/elections/ers97-example-2.blt
