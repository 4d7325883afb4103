count --rules scottish tests/elections/scottish-example.blt
