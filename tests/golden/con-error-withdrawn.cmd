count --rules scottish --withdraw 1 --withdraw 5 --constraints examples/constraints/ex1.con examples/constraints/ex1.blt
