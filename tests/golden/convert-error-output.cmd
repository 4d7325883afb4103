convert tests/elections/convert/small.blt tests/elections/convert/no-such-dir/small.json
