"""GRU or LSTM on the same data: the search, the retrained winners, the paired significance tests, the report files."""
