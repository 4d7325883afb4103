count --rules wigm --decimals 2 --quota droop --ties backwards tests/elections/wigm-example.blt
