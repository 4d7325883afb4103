count --rules scottish --constraints tests/elections/con/conflict.con examples/constraints/ex2.blt
