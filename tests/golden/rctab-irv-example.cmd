count --rules irv --format rctab tests/elections/irv-example.blt
