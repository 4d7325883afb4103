count --rules scottish --constraints examples/constraints/ex2.con examples/constraints/ex2.blt
