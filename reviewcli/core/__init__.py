"""Core: every default (config), errors, text -> tokens, vocabulary, labels, metrics. No torch, no files."""
