rank --rules scottish --format json --constraints examples/constraints/ex2.con examples/constraints/ex2.blt
