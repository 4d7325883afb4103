count --rules ers97 --format html tests/elections/ers97-tie-lot.blt
