count --rules irv tests/elections/scottish-example.blt
