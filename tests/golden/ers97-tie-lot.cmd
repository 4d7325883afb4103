count --rules ers97 --ties forwards,random:2 tests/elections/ers97-tie-lot.blt
