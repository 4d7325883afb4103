count tests/elections/bad-candidate.blt
