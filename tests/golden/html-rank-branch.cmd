rank --rules scottish --format html examples/branch-committee.blt
