"""reviewcli: a command-line sentiment classifier for product reviews (GRU, LSTM or RNN)."""

__version__ = "0.1.0"
