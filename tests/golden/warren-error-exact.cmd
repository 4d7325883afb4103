count --rules warren --arith exact tests/elections/warren-example-1.blt
