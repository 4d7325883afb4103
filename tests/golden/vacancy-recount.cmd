count --vacate 1 --previous tests/elections/vacancy/branch-scottish.json examples/branch-committee.blt
