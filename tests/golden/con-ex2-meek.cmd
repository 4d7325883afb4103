count --rules meek --constraints examples/constraints/ex2.con examples/constraints/ex2.blt
