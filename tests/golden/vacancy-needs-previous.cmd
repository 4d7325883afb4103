count --vacate 1 examples/branch-committee.blt
