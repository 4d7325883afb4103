count --vacate 1 --fill highest --previous tests/elections/vacancy/branch-scottish.json tests/elections/ron.blt
