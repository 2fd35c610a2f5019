"""The package's version, in the bottom layer so model directories can record it."""

__version__ = "0.1.0"
