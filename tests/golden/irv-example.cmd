count --rules irv tests/elections/irv-example.blt
