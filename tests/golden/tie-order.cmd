count --rules scottish --ties 'order:2>3>1' tests/elections/tie-lot.blt
