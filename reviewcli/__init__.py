"""reviewcli: a sentiment classifier for product reviews (GRU, LSTM or RNN), as a command and a library.

    import reviewcli
    model = reviewcli.load()
    model.predict(["great taste", "soggy"])

The names below load on first use (PEP 562), so `import reviewcli` imports no torch."""

from typing import TYPE_CHECKING

from reviewcli.core.version import __version__

if TYPE_CHECKING:  # for editors and type checkers; at run time the names load on first use
    from reviewcli.api import Explanation, Model, Prediction, load, train
    from reviewcli.core.errors import DataError, ModelError, OutputError, ReviewCliError, UsageError

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

# _PUBLIC's names and __version__, written out for tools that read __all__ without running this file
__all__ = [
    "DataError",
    "Explanation",
    "Model",
    "ModelError",
    "OutputError",
    "Prediction",
    "ReviewCliError",
    "UsageError",
    "__version__",
    "load",
    "train",
]


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'reviewcli' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
