count --rules scottish ../shared/data/scotland/5_cands/perth_kinross_2016_by_election_ward9.blt
