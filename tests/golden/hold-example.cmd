count --rules scottish --hold 5 examples/constraints/ex1.blt
