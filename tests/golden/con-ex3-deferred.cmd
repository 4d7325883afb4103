count --rules scottish --constraints examples/constraints/ex3.con examples/constraints/ex3.blt
