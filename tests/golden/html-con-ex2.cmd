count --rules scottish --format html --constraints examples/constraints/ex2.con examples/constraints/ex2.blt
