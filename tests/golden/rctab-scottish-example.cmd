count --rules scottish --format rctab tests/elections/scottish-example.blt
