count --rules scottish --decimals 3 tests/elections/tie-lot.blt
