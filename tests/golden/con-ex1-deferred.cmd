count --rules scottish --constraints examples/constraints/ex1.con examples/constraints/ex1.blt
