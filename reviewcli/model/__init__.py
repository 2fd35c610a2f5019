"""The networks, no file access: the sentiment model, n-gram bag, language model, word-vector rows, gate replay."""
