whatif --format csv tests/elections/whatif-small.blt
