count --rules scottish --seats 2 tests/elections/csv-committee.csv
