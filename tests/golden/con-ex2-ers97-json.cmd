count --rules ers97 --format json --constraints examples/constraints/ex2.con examples/constraints/ex2.blt
