count --rules irv --seats 1 --constraints examples/constraints/ex1.con examples/constraints/ex1.blt
