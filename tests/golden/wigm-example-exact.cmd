count --rules wigm --arith exact tests/elections/wigm-example.blt
