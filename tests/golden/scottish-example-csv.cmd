count --rules scottish --format csv tests/elections/scottish-example.blt
