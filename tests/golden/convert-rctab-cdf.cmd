convert --contest Mayor --seats 1 tests/elections/convert/rctab.cdf.json - --to blt
