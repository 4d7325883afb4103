count --rules wigm --decimals 2 --quota droop --ties forwards tests/elections/wigm-example.blt
