"""Long inputs tokenized in a helper process while this one scores.

Tokenizing is pure Python and holds Python's lock (the GIL) for as long as the interpreter lets it,
while the scoring threads need that lock for each of the dozen small operations of every step of
the recurrence. In one process they wait on the tokenizer: over 30,000 reviews on 2 AMD EPYC cores,
`predict -i` used 168 % of the CPU whether or not tokenizing overlapped scoring. A process has a
lock of its own, so there the two really overlap (docs/benchmarks.md has the figures).

The helper is `python -m reviewcli.inference.helper`, started fresh: not forked (this process holds
PyTorch's threads and its own by then) and not through multiprocessing (whose spawn runs the
caller's main module again, a script's unguarded code included). The two exchange `marshal` data
over the helper's standard input and output, plain lists and numbers only, each message its length
first and then read whole (marshal.load on a pipe reads it piece by piece, holding the lock all the
while: a fifth of a run's lock time). The helper ignores Ctrl-C, which is this process's to handle,
and ends when its input closes. Whatever goes wrong with it, the caller tokenizes in its own
process instead: the future's exception is set, and nothing is raised at the caller.
"""

import marshal
import os
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future


class Helper:
    """One helper process that turns lists of texts into predictor.Prepared, as `reading`
    (predictor.Reading) does, in the order they were given."""

    def __init__(self, reading):
        self.waiting: deque[Future] = deque()
        self.lock = threading.Lock()
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, env=environment,
            )  # fmt: skip
            vocab = reading.vocab
            self.write((vocab.tokens, vocab.unk_index, reading.judge.share, reading.strip_markup, reading.max_length))
        except (OSError, ValueError):
            self.process = None
            return
        threading.Thread(target=self.receive, daemon=True, name="reviewcli-helper").start()

    def write(self, value) -> None:
        send(value, self.process.stdin)

    def submit(self, texts: list[str]) -> Future:
        """A future Prepared of `texts`; its exception is set when the helper cannot give it."""
        future = Future()
        if self.process is None:
            future.set_exception(OSError("the helper process did not start"))
            return future
        with self.lock:
            self.waiting.append(future)
            try:
                self.write(texts)
            except (OSError, ValueError) as error:  # it ended: the receiving thread fails the rest
                self.waiting.remove(future)
                future.set_exception(error)
        return future

    def receive(self) -> None:
        from reviewcli.inference.predictor import Prepared

        while True:
            try:
                count, known, encoded, lengths = receive(self.process.stdout)
            except (EOFError, OSError, ValueError, TypeError) as error:
                with self.lock:
                    while self.waiting:
                        self.waiting.popleft().set_exception(error)
                return
            with self.lock:
                future = self.waiting.popleft()
            future.set_result(Prepared(count, known, encoded, lengths))

    def close(self) -> None:
        if self.process is None:
            return
        try:
            self.process.stdin.close()  # the helper ends at the end of its input
        except OSError:
            pass
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.process.kill()


def send(value, stream) -> None:
    data = marshal.dumps(value)
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def receive(stream):
    """The next message of `stream`; EOFError at its end."""
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError("the stream ended")
    size = int.from_bytes(header, "little")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the stream ended inside a message")
    return marshal.loads(data)


def main() -> None:
    """The helper's side: a Reading from the first message, then one Prepared per list of texts."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from reviewcli.core.judgeable import Judge
    from reviewcli.core.vocab import Vocabulary
    from reviewcli.inference.predictor import Reading

    source, sink = sys.stdin.buffer, sys.stdout.buffer
    tokens, unk_index, share, strip_markup, max_length = receive(source)
    reading = Reading(Vocabulary(tokens), Judge(tokens, unk_index, share), strip_markup, max_length)
    while True:
        try:
            texts = receive(source)
        except EOFError:
            return
        prepared = reading(texts)
        send((prepared.count, prepared.known, prepared.encoded, prepared.lengths), sink)


if __name__ == "__main__":
    main()
