count --rules scottish tests/elections/malformed-perth-kinross-2016-ward9.blt
