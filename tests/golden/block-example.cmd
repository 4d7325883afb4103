count --rules block tests/elections/block-example.blt
