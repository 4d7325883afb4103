count --rules ers97 --withdraw 6 tests/elections/ers97-example-1.blt
