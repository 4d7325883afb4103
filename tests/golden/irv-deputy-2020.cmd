count --rules irv tests/elections/deputy-2020.blt
