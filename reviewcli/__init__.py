"""reviewcli: a sentiment classifier for product reviews (GRU, LSTM or RNN), as a command and a library.

    import reviewcli
    model = reviewcli.load()
    model.predict(["great taste", "soggy"])

The names below load on first use (PEP 562), so `import reviewcli` imports no torch."""

from reviewcli.core.version import __version__

# public name -> the module that defines it
_PUBLIC = {
    "load": "reviewcli.api",
    "train": "reviewcli.api",
    "Model": "reviewcli.api",
    "Prediction": "reviewcli.api",
    "Explanation": "reviewcli.api",
    "ReviewCliError": "reviewcli.core.errors",
    "UsageError": "reviewcli.core.errors",
    "DataError": "reviewcli.core.errors",
    "ModelError": "reviewcli.core.errors",
    "OutputError": "reviewcli.core.errors",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'reviewcli' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
