count --rules ers97 tests/elections/ers97-tie-forwards.blt
