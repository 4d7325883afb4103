count --rules nosuch tests/elections/tie-lot.blt
