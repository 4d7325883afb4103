count --rules scottish --format html tests/elections/scottish-example.blt
