"""What a training step computes, for the one loop in reviewcli.training.loop: sentiment classification
(with adversarial word vectors) and next-word language modelling.

An objective batches its data, runs a step's forward and backward passes through the model's own
`forward` (so a wrapper such as DistributedDataParallel sees every pass), validates, and says
which validation result is better.
"""

import contextlib
import math

from reviewcli.core.config import TrainConfig
from reviewcli.core.metrics import accuracy, log_loss
from reviewcli.inference.batching import batches
from reviewcli.inference.device import autocast
from reviewcli.inference.predictor import score
from reviewcli.training.distributed import no_sync
from reviewcli.training.events import StepStats


def adversarial_perturbation(embedded, grad, size: float):
    """(T, B, E) word vectors and the loss gradient at them -> a (T, B, E) step along the gradient
    whose norm, review by review, is `size` times the norm of the review's vectors."""
    direction = grad / grad.norm(dim=(0, 2), keepdim=True).clamp_min(1e-12)
    return direction * (size * embedded.norm(dim=(0, 2), keepdim=True))


class Classification:
    """Binary cross-entropy on a SentimentModel's logit; data is (encoded reviews, labels).
    Validation: accuracy first, lower loss breaks ties."""

    def __init__(self, config: TrainConfig, device, pad_index: int = 0):
        import torch

        self.config = config
        self.device = device
        self.pad_index = pad_index
        self.loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")

    def steps(self, data) -> int:
        return math.ceil(len(data[0]) / self.config.batch_size)

    def batches(self, data, rng) -> list:
        encoded, labels = data
        return list(batches(encoded, labels, self.config.batch_size, self.pad_index, rng))

    def train_step(self, model, batch) -> StepStats:
        _, ids, lengths, targets = batch
        ids, targets = ids.to(self.device), targets.to(self.device)
        adversarial = self.config.adversarial > 0
        # under torchrun, this pass's gradients wait for the adversarial pass's: one all-reduce a step
        with no_sync(model) if adversarial else contextlib.nullcontext():
            with autocast(self.device):
                if adversarial:
                    logits, embedded = model(ids, lengths, keep_embedded=True)
                else:
                    logits, embedded = model(ids, lengths), None
                loss = self.loss_fn(logits.float(), targets)
            if adversarial:
                embedded.retain_grad()
            (loss / len(targets)).backward()
        if adversarial:
            self.adversarial_backward(model, ids, lengths, targets, embedded)
        correct = int(((logits > 0).float() == targets).sum())
        return StepStats(loss.item(), correct, len(targets), int(lengths.sum()))

    def adversarial_backward(self, model, ids, lengths, targets, embedded) -> None:
        """Adds the gradient of the loss on adversarially perturbed word vectors (Miyato et al. 2017):
        each review's vectors move along the loss gradient by `adversarial` times their own norm.
        Relative to that norm, the model cannot escape the perturbation by growing its embeddings;
        and as the norm grows with the square root of the length, each word of a short review moves
        as far as each word of a long one."""
        perturbation = adversarial_perturbation(embedded.detach(), embedded.grad, self.config.adversarial)
        with autocast(self.device):
            logits = model(ids, lengths, perturbation=perturbation).float()
            loss = self.loss_fn(logits, targets)
        (loss / len(targets)).backward()

    def validate(self, model, data) -> tuple[float, float]:
        """Validation loss and accuracy, counted over reviews (not a mean of batch means)."""
        encoded, labels = data
        probabilities = score(model, encoded, batch_size=self.config.batch_size * 2, device=self.device)
        return log_loss(labels, probabilities), accuracy(labels, probabilities)

    def validation_totals(self, model, data) -> tuple[float, int, int]:
        """(summed loss, correct, reviews) of validate, for adding over parts of the data."""
        count = len(data[1])
        loss, correct = self.validate(model, data)
        return loss * count, round(correct * count), count

    def key(self, val_loss: float, val_accuracy: float) -> tuple:
        return (val_accuracy, -val_loss)

    def metrics(self, key: tuple) -> dict:
        """config.json's metrics of the best epoch, from its key."""
        return {"validation_accuracy": key[0]}


class LanguageModelling:
    """A LanguageModel's sampled-softmax loss per predicted word; data is a list of encoded reviews.
    Accuracy: the next word outscored every sampled alternative. Validation: lower loss is better."""

    def __init__(self, config: TrainConfig, device, pad_index: int = 0, bidirectional: bool = True):
        self.config = config
        self.device = device
        self.pad_index = pad_index
        self.directions = 2 if bidirectional else 1

    def steps(self, data) -> int:
        return math.ceil(len(data) / self.config.batch_size)

    def batches(self, data, rng) -> list:
        # lengths padded to a multiple of 8: few distinct shapes keep oneDNN's per-shape caches, and
        # so memory, bounded (up to 400 shapes otherwise); padding changes no result
        return list(batches(data, None, self.config.batch_size, self.pad_index, rng, multiple=8))

    def forward(self, model, batch):
        _, ids, lengths, _ = batch
        with autocast(self.device):
            loss, hits = model(ids.to(self.device), lengths)
        # forward: words 2..n of each review; backward: words 1..n-1
        predicted = (int(lengths.sum()) - len(lengths)) * self.directions
        return loss, StepStats(loss.item(), int(hits), predicted, int(lengths.sum()))

    def train_step(self, model, batch) -> StepStats:
        loss, stats = self.forward(model, batch)
        # also with nothing predicted (a zero loss): under torchrun every rank joins each backward pass
        (loss.float() / max(stats.count, 1)).backward()
        return stats

    def validate(self, model, data) -> tuple[float, float]:
        total, correct, words = self.validation_totals(model, data)
        return total / max(words, 1), correct / max(words, 1)

    def validation_totals(self, model, data) -> tuple[float, int, int]:
        """(summed loss, correct, predicted words) over the data."""
        import torch

        model.eval()
        total, correct, words = 0.0, 0, 0
        with torch.no_grad():
            for batch in self.batches(data, None):
                _, stats = self.forward(model, batch)
                total, correct, words = total + stats.loss, correct + stats.correct, words + stats.count
        return total, correct, words

    def key(self, val_loss: float, val_accuracy: float) -> tuple:
        return (-val_loss,)

    def metrics(self, key: tuple) -> dict:
        return {"next_word_loss": -key[0]}
