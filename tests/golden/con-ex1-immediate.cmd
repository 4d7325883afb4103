count --rules scottish --doom immediate --constraints examples/constraints/ex1.con examples/constraints/ex1.blt
