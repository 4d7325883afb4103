count --rules scottish --constraints tests/elections/con/maxes.con examples/constraints/ex1.blt
