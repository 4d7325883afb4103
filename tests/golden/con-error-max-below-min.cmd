count --rules scottish --constraints tests/elections/con/max-below-min.con examples/constraints/ex1.blt
