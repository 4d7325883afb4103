count --rules ers97 --vacate 1 --previous tests/elections/vacancy/branch-scottish.json examples/branch-committee.blt
