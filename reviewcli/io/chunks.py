"""Group a stream of reviews into chunks to score together.

From a file, a chunk is `size` reviews. From a pipe or a terminal (`tail -f log | reviewcli predict -`,
typing into `predict -`) a chunk also ends when input pauses, so each result shows as soon as its line
has arrived instead of after thousands more.
"""

import queue
import threading
from collections.abc import Iterator
from itertools import islice

_END = object()


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def chunks(items: Iterator, size: int, pause: float | None = None) -> Iterator[list]:
    """Lists of at most `size` items, in order. With `pause` (seconds), a list is also cut when no item
    has arrived for that long."""
    if pause is None:
        yield from _chunks_of(items, size)
        return
    yield from _chunks_on_pause(items, size, pause)


def _chunks_of(items: Iterator, size: int) -> Iterator[list]:
    """Lists of `size`; when reading fails (bad JSON at line 230), the items before it come first, as
    from a pipe, and then the error."""
    while True:
        chunk = []
        try:
            for item in islice(items, size):
                chunk.append(item)
        except BaseException:
            if chunk:
                yield chunk
            raise
        if not chunk:
            return
        yield chunk


def _chunks_on_pause(items: Iterator, size: int, pause: float) -> Iterator[list]:
    arrived = queue.Queue(maxsize=size * 4)
    # A daemon thread reads (and may block on a silent pipe); it never outlives the process.
    threading.Thread(target=_feed, args=(items, arrived), daemon=True, name="reviewcli-input").start()
    chunk = []
    while True:
        try:
            item = arrived.get(timeout=pause) if chunk else arrived.get()
        except queue.Empty:  # input paused: score what has come
            yield chunk
            chunk = []
            continue
        if item is _END:
            break
        if isinstance(item, _Failed):
            if chunk:
                yield chunk
            raise item.error
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _feed(items: Iterator, arrived: queue.Queue) -> None:
    try:
        for item in items:
            arrived.put(item)
    except BaseException as error:  # the reader's errors (bad JSON at line 7) are raised in the main thread
        arrived.put(_Failed(error))
        return
    arrived.put(_END)
