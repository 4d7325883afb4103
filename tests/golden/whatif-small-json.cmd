whatif --rules scottish --format json tests/elections/whatif-small.blt
