count --rules ers97 --format json tests/elections/ers97-example-1.blt
