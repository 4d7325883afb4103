whatif --rules scottish examples/branch-committee.blt
