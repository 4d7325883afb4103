count --rules scottish tests/elections/no-such-file.blt
