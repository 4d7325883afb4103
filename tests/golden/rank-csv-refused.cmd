rank --format csv examples/branch-committee.blt
