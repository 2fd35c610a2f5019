"""Ctrl-C and SIGTERM during training: the first asks the run to stop at the next step boundary
(so it can save), a second one stops at once. Renames that must not be split run with both held back."""

import contextlib
import signal
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequest:
    """Installed by `with StopRequest(on_first) as stop:`; `stop()` is true once a signal came.

    on_first(name) is called from the handler with "Ctrl-C" or "SIGTERM", to tell the user what
    happens next. Outside the main thread (where Python cannot take signals) it does nothing."""

    def __init__(self, on_first=None):
        self.on_first = on_first
        self.requested = None  # the signal's name once one arrived
        self.previous = {}

    def __call__(self) -> bool:
        return self.requested is not None

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            for number in SIGNALS:
                self.previous[number] = signal.signal(number, self.handle)
        return self

    def __exit__(self, *exc) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)

    def handle(self, number, frame) -> None:
        if self.requested is not None:  # the second signal: stop now; every write is atomic
            raise KeyboardInterrupt
        self.requested = "Ctrl-C" if number == signal.SIGINT else "SIGTERM"
        if self.on_first is not None:
            self.on_first(self.requested)


def terminate_as_interrupt() -> None:
    """SIGTERM outside a training loop acts as Ctrl-C does there: a clean exit 130 that releases
    locks and removes temporary files, instead of Python's silent death (143)."""

    def interrupt(number, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@contextlib.contextmanager
def held_back():
    """Delays Ctrl-C and SIGTERM until the block is done (the two renames that swap a directory)."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = block(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, previous)
