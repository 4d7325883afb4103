count --rules scottish --format json tests/elections/ron.blt
