count --vacate 1 --previous tests/fuzz/regress/previous/cut.json examples/branch-committee.blt
