count --vacate 5 --previous tests/elections/vacancy/branch-scottish.json examples/branch-committee.blt
