count --rules warren tests/elections/warren-example-1.blt
