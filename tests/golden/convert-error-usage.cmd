convert tests/elections/convert/small.blt ballots.txt
