count --format json --vacate 2 --fill highest --previous tests/elections/vacancy/branch-scottish.json examples/branch-committee.blt
