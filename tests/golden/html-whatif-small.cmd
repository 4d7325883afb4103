whatif --rules scottish --format html tests/elections/whatif-small.blt
