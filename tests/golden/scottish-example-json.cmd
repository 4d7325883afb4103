count --rules scottish --format json tests/elections/scottish-example.blt
