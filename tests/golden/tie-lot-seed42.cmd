count --rules scottish --ties random:42 tests/elections/tie-lot.blt
