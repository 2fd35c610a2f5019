"""Training progress on stderr: a rich bar and tables on a terminal, plain lines otherwise, or nothing."""

import functools
import os
import sys

from reviewcli.training.events import EpochResult, Reporter, Step


def stderr_is_terminal() -> bool:
    """REVIEWCLI_FORCE_TERMINAL=1 forces the terminal path (tests have no TTY)."""
    return os.environ.get("REVIEWCLI_FORCE_TERMINAL") == "1" or sys.stderr.isatty()


def make_reporter(quiet: bool):
    if os.environ.get("RANK", "0") != "0":  # under torchrun, rank 0 reports for every worker
        return Reporter()
    if quiet:
        return QuietReporter()
    return RichReporter() if stderr_is_terminal() else PlainReporter()


def silence_stderr() -> None:
    """stderr's reader is gone (`2>&1 | head -2`): later writes go nowhere instead of failing, so a
    run that can still save its model is never stopped by its progress output."""
    try:
        sys.stderr.flush()
    except OSError:
        pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stderr.fileno())
    os.close(devnull)


def never_fails(method):
    """A reporter method that, when stderr is closed, silences it and carries on."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except OSError:  # BrokenPipeError, or EBADF for a closed descriptor
            silence_stderr()

    return guarded


def epoch_line(r: EpochResult) -> str:
    mark = " *best" if r.best else ""
    return (
        f"epoch {r.epoch}: loss {r.train_loss:.4f} acc {r.train_accuracy:.4f} | "
        f"val loss {r.val_loss:.4f} val acc {r.val_accuracy:.4f} | {r.seconds:.1f}s, "
        f"{r.tokens / max(r.train_seconds, 1e-9):,.0f} tokens/s{mark}"
    )


def summary_lines(summary: dict) -> list[str]:
    return [
        f"parameters: {summary['parameters']:,}",
        f"time: {summary['seconds']:.1f}s, {summary['tokens_per_second']:,.0f} tokens/s",
        *(f"best {name.replace('_', ' ')}: {value:.4f} (epoch {summary['best_epoch']})"
          for name, value in summary["best_metric"].items()),  # fmt: skip
        f"saved to: {summary['out']}",
    ]


# The table's columns and widths: 59 characters with two spaces between columns, so a row fits a
# 60-column terminal with a loss of 10 or more, and with up to 9,999,999 tokens/s.
EPOCH_COLUMNS = (("epoch", 5), ("loss", 7), ("acc", 6), ("val loss", 8), ("val acc", 7), ("time", 6), ("tokens/s", 8))


def epoch_cells(r: EpochResult) -> list[str]:
    """A table row; `*` before the epoch marks the best so far (the plain line's *best)."""
    seconds = f"{r.seconds:.1f}s" if r.seconds < 1000 else f"{r.seconds:.0f}s"
    return [
        f"{'*' if r.best else ''}{r.epoch}", f"{r.train_loss:.4f}", f"{r.train_accuracy:.4f}",
        f"{r.val_loss:.4f}", f"{r.val_accuracy:.4f}", seconds, f"{r.tokens / max(r.train_seconds, 1e-9):,.0f}",
    ]  # fmt: skip


def is_warning(text: str) -> bool:
    """Warnings about the data (bytes replaced) stay on stderr under -q; notes and progress do not."""
    return text.startswith("Warning:")


class QuietReporter(Reporter):
    """-q: no progress and no notes; warnings about the data still show."""

    def message(self, text: str) -> None:
        if is_warning(text):
            print(text, file=sys.stderr, flush=True)


class PlainReporter(Reporter):
    """One line per epoch, for logs and CI."""

    @never_fails
    def message(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    @never_fails
    def start(self, facts: dict) -> None:
        for key, value in facts.items():
            self.message(f"{key}: {value}")

    @never_fails
    def step(self, step: Step) -> None:
        """A line per tenth of a long epoch, so a log shows the run is alive."""
        tenth = step.total // 10
        if step.total >= 50 and step.done % tenth == 0 and step.done < step.total:
            self.message(
                f"epoch {step.epoch}: {step.done}/{step.total} batches, loss {step.loss:.4f} acc {step.accuracy:.4f}"
            )

    @never_fails
    def epoch(self, result: EpochResult) -> None:
        self.message(epoch_line(result))

    @never_fails
    def finish(self, summary: dict) -> None:
        for line in summary_lines(summary):
            self.message(line)


class RichReporter(PlainReporter):
    """A live bar per epoch with loss, accuracy and ETA; a table row per epoch; a summary panel."""

    def __init__(self):
        from rich.console import Console

        self.console = Console(stderr=True)
        self.bar = None
        self.task = None

    @never_fails
    def message(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    @never_fails
    def step(self, step: Step) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        if self.bar is None:
            self.bar = Progress(
                TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]:.4f} acc {task.fields[acc]:.3f}"), TimeRemainingColumn(),
                console=self.console, transient=True,
            )  # fmt: skip
            self.bar.start()
            self.task = self.bar.add_task("train", total=step.total, epoch=step.epoch, loss=0.0, acc=0.0)
        self.bar.update(self.task, completed=step.done, loss=step.loss, acc=step.accuracy)

    @never_fails
    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    @never_fails
    def epoch(self, result: EpochResult) -> None:
        from rich.table import Table

        self.close()
        # One row per epoch under a header printed once: fixed widths line the rows up as one table.
        table = Table(box=None, show_header=result.epoch == 1, header_style="bold", pad_edge=False)
        for name, width in EPOCH_COLUMNS:
            table.add_column(name, min_width=width, justify="right", no_wrap=True)
        table.add_row(*epoch_cells(result))
        self.console.print(table)

    @never_fails
    def finish(self, summary: dict) -> None:
        from rich.panel import Panel

        self.console.print(Panel("\n".join(summary_lines(summary)), title="reviewcli train", expand=False))


class ReadProgress:
    """How much of an input file predict has read: a bar on stderr, for a terminal."""

    def __init__(self, name: str, total: int):
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn(name), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=Console(stderr=True, force_terminal=stderr_is_terminal()), transient=True,
        )  # fmt: skip
        self.task = self.bar.add_task("read", total=total)
        self.bar.start()

    @never_fails
    def update(self, done: int | None) -> None:
        if done is not None:
            self.bar.update(self.task, completed=done)

    @never_fails
    def close(self) -> None:
        self.bar.stop()


def read_progress(name: str, size: int | None, stdout_is_terminal: bool) -> ReadProgress | None:
    """A bar when stderr is a terminal and the results go elsewhere (on the terminal, they are the progress)."""
    if size is None or stdout_is_terminal or not stderr_is_terminal():
        return None
    return ReadProgress(name, size)
