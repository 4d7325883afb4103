count --rules scottish --constraints tests/elections/con/over-seats.con examples/constraints/ex1.blt
