count --rules scottish tests/elections/scottish-chain.blt
