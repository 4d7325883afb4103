count --rules scottish --doom immediate --constraints examples/constraints/ex2.con examples/constraints/ex2.blt
