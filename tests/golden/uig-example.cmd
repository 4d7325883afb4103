count --rules uig tests/elections/uig-example.blt
