count --rules scottish --withdraw 1 tests/elections/scottish-example.blt
