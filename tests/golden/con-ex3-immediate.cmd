count --rules scottish --doom immediate --constraints examples/constraints/ex3.con examples/constraints/ex3.blt
