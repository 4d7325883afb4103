count --rules ers97 --format rctab tests/elections/ers97-example-1.blt
