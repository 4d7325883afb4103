count --rules wigm tests/elections/policies.blt
