count --rules scottish tests/elections/tie-lot.blt
