count --rules scottish --seats 2 tests/elections/csv-bad-weight.csv
