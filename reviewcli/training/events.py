"""What the training loop tells as it runs: the events it yields and reports, and a reporter that
ignores them all (the CLI's reporters draw them; torchrun's other workers stay silent)."""

from dataclasses import dataclass, field


@dataclass
class EpochResult:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float  # the whole epoch, validation included
    train_seconds: float  # the training steps alone: tokens / train_seconds is training throughput
    tokens: int
    best: bool  # this epoch is the best so far on validation
    threads: list[int] = field(default_factory=list)  # torch's thread counts the steps ran on, in order (CPU)


@dataclass
class Step:
    """Progress inside an epoch, for progress bars."""

    epoch: int
    done: int
    total: int
    loss: float
    accuracy: float


@dataclass
class StepStats:
    """What one training step saw: summed loss, correct predictions, predictions made, tokens read.
    count 0 means nothing was predicted, and the optimizer does not step."""

    loss: float
    correct: int
    count: int
    tokens: int



class Reporter:
    """What the loop tells as it runs: each hook does nothing here; the CLI's reporters draw them."""

    def start(self, facts: dict) -> None: ...
    def step(self, step: Step) -> None: ...
    def epoch(self, result: EpochResult) -> None: ...
    def finish(self, summary: dict) -> None: ...
    def message(self, text: str) -> None: ...
    def close(self) -> None:
        """The run stopped: no bar is left on the screen."""
