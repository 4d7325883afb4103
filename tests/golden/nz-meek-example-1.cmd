count --rules nz-meek tests/elections/nz-meek-example-1.blt
