count --rules ers97 --ties backwards tests/elections/ers97-tie-forwards.blt
