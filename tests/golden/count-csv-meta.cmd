count --rules scottish tests/elections/convert/meta.csv
