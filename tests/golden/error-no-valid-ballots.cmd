count --rules scottish tests/elections/no-valid.blt
