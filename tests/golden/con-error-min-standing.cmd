count --rules scottish --constraints tests/elections/con/too-many.con examples/constraints/ex1.blt
