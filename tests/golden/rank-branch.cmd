rank --rules scottish examples/branch-committee.blt
