"""`reviewcli pretrain`: unlabeled review text -> an embedding and encoder trained as language models.

Only text is read, never labels, and never a test split: a folder gives its train and unlabeled
files, and a file named like a test or validation split is refused.
"""

import math
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reviewcli.batching import batches
from reviewcli.config import TrainConfig
from reviewcli.device import autocast
from reviewcli.errors import UsageError
from reviewcli.inputs import DecodeReport, input_form, read_reviews
from reviewcli.training import EpochResult, Step, warmup_then_decay

CORPUS_STEMS = ("train", "unlabeled", "unlabelled")
HELD_OUT_STEMS = ("test", "dev", "validation", "valid", "val")
CORPUS_SUFFIXES = (".jsonl", ".csv", ".tsv", ".txt")


def corpus_files(sources: list[str]) -> list[Path]:
    """Files to read: each file given, and from each folder its train.* and unlabeled.* files."""
    files = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found = sorted(f for f in path.iterdir() if f.stem.lower() in CORPUS_STEMS and f.suffix in CORPUS_SUFFIXES)
            if not found:
                raise UsageError(f"{path}: no train.* or unlabeled.* file to pretrain on. Give the files themselves.")
            files += found
        elif path.is_file():
            if path.stem.lower() in HELD_OUT_STEMS:
                raise UsageError(
                    f"{path}: looks like a held-out split; pretraining on it would leak it into every model "
                    "fine-tuned from this one. Rename it if it really is training text."
                )
            files.append(path)
        else:
            raise UsageError(f"{source}: no such file or directory. Check the path.")
    return files


def read_texts(files: list[Path], text_column: str | None, on_warning: Callable[[str], None]) -> list[str]:
    """Non-empty review texts of every file: .jsonl/.csv/.tsv by column (text found by name), else lines."""
    texts = []
    for file in files:
        report = DecodeReport(str(file))
        form = input_form(str(file), text_column)
        texts += [review.text for review in read_reviews(str(file), report, text_column=text_column, form=form)
                  if review.text.strip()]  # fmt: skip
        if report.warning():
            on_warning(report.warning())
    return texts


def held_out(encoded: list[list[int]], seed: int) -> tuple[list[list[int]], list[list[int]]]:
    """(train, validation): 2% of the reviews, at most 2,000, to report the language model's loss on."""
    order = list(range(len(encoded)))
    random.Random(seed).shuffle(order)
    count = min(2_000, len(encoded) // 50)
    return [encoded[i] for i in order[count:]], [encoded[i] for i in order[:count]]


class Pretrainer:
    """Fits a LanguageModel; yields an EpochResult per epoch (accuracy: the next word outscored
    every sampled alternative)."""

    def __init__(self, model, config: TrainConfig, device):
        import torch

        self.model = model.to(device)
        self.config = config
        self.device = device
        self.parameters = list(model.parameters())
        self.optimizer = torch.optim.AdamW(
            self.parameters, lr=config.lr, weight_decay=config.weight_decay, fused=device.type in ("cpu", "cuda")
        )

    def fit(self, train: list, validation: list, on_step=None) -> Iterator[EpochResult]:
        steps = math.ceil(len(train) / self.config.batch_size) * self.config.epochs
        scheduler = warmup_then_decay(self.optimizer, steps)
        lowest = math.inf
        for epoch in range(1, self.config.epochs + 1):
            started = time.perf_counter()
            rng = random.Random(self.config.seed * 1000 + epoch)
            loss, accuracy, tokens = self.run_epoch(epoch, train, rng, scheduler, on_step)
            train_seconds = time.perf_counter() - started
            val_loss, val_accuracy, _ = self.run_epoch(epoch, validation, None, None, None)
            best, lowest = val_loss < lowest, min(lowest, val_loss)
            yield EpochResult(
                epoch, loss, accuracy, val_loss, val_accuracy, time.perf_counter() - started, train_seconds, tokens, best
            )

    def run_epoch(self, epoch, encoded, rng, scheduler, on_step) -> tuple[float, float, int]:
        """One pass; trains when a scheduler is given, else only measures. -> per-word loss, accuracy, tokens."""
        import torch

        training = scheduler is not None
        self.model.train(training)
        total_loss, correct, words, tokens = 0.0, 0, 0, 0
        # lengths padded to a multiple of 8: few distinct shapes keep oneDNN's per-shape caches, and
        # so memory, bounded (up to 400 shapes otherwise); padding changes no result
        order = list(batches(encoded, None, self.config.batch_size, self.model.config.pad_index, rng, multiple=8))
        for done, (_, ids, lengths, _) in enumerate(order, start=1):
            with torch.set_grad_enabled(training), autocast(self.device):
                loss, hits = self.model(ids.to(self.device), lengths)
            predicted = int(lengths.sum()) - len(lengths)  # forward: words 2..n of each review
            predicted *= 2 if self.model.config.bidirectional else 1
            if training and predicted:
                self.optimizer.zero_grad(set_to_none=True)
                (loss.float() / predicted).backward()
                torch.nn.utils.clip_grad_norm_(self.parameters, self.config.clip, foreach=True)
                self.optimizer.step()
                scheduler.step()
            total_loss, correct, words = total_loss + loss.item(), correct + int(hits), words + predicted
            tokens += int(lengths.sum())
            if on_step is not None:
                on_step(Step(epoch, done, len(order), total_loss / max(words, 1), correct / max(words, 1)))
        return total_loss / max(words, 1), correct / max(words, 1), tokens
