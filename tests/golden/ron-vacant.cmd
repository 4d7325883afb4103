count --rules scottish tests/elections/ron.blt
