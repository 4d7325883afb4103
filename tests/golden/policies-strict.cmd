count --rules wigm --equal reject --repeat truncate --skipped continue tests/elections/policies.blt
