"""The one training loop of train and pretrain: AdamW, warmup then linear decay, clipping, the best
epoch kept, early stopping; it can stop at any step boundary and go on from there.

What a step computes (the loss and its backward pass) belongs to an objective (reviewcli.training.objectives);
the loop knows nothing of the model. It never prints and never touches files: it yields one
EpochResult per epoch, reports batches through `on_step`, stops when `should_stop()` says so, and
`state()` / `load_state()` hold everything a checkpoint needs to continue bit for bit.
"""

import copy
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from reviewcli.core.config import TrainConfig
from reviewcli.inference.threads import Adaptive
from reviewcli.training import distributed
from reviewcli.training.events import EpochResult, Step, StepStats


@dataclass
class Position:
    """Where a run stands: the epoch under way and the sums over its batches done so far."""

    epoch: int = 1
    done: int = 0  # batches of this epoch already trained
    loss: float = 0.0
    correct: int = 0
    count: int = 0
    tokens: int = 0
    seconds: float = 0.0  # training seconds spent in this epoch

    def add(self, stats: StepStats) -> None:
        self.done += 1
        self.loss += stats.loss
        self.correct += stats.correct
        self.count += stats.count
        self.tokens += stats.tokens


def warmup_then_decay(optimizer, total_steps: int, groups: list[dict] | None = None, steps_per_epoch: int = 1):
    """Learning rate: linear warmup over the first 6% of steps, then linear decay to zero; per
    group, times its lr_scale and zero before its from_epoch."""
    import torch

    warmup = max(1, int(0.06 * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    def for_group(group: dict) -> Callable[[int], float]:
        def scaled(step: int) -> float:
            started = step // steps_per_epoch + 1 >= group["from_epoch"]
            return factor(step) * group["lr_scale"] if started else 0.0

        return scaled

    return torch.optim.lr_scheduler.LambdaLR(optimizer, [for_group(g) for g in groups] if groups else factor)


def fine_tuning_groups(model, decay: float = 2.6) -> list[dict]:
    """ULMFiT's discriminative learning rates and gradual unfreezing for a pretrained encoder: the
    head trains from epoch 1 at the full rate, then one layer per epoch from the top, each at 1/2.6
    of the rate above it, and the embedding last (Howard & Ruder 2018). Whatever is neither encoder
    nor embedding (the head, the bag of n-grams) starts fresh, so it trains with the head."""
    encoder = model.encoder
    layers = len(encoder.forward_rnns)
    pretrained = []
    for depth, layer in enumerate(reversed(range(layers)), start=1):
        rnns = [encoder.forward_rnns[layer], *(encoder.backward_rnns[layer : layer + 1])]
        params = [p for rnn in rnns for p in rnn.parameters()]
        pretrained.append({"params": params, "lr_scale": decay**-depth, "from_epoch": depth + 1})
    embedding = list(model.embedding.parameters())
    pretrained.append({"params": embedding, "lr_scale": decay ** -(layers + 1), "from_epoch": layers + 2})
    taken = {id(p) for group in pretrained for p in group["params"]}
    fresh = [p for p in model.parameters() if id(p) not in taken]
    return [{"params": fresh, "lr_scale": 1.0, "from_epoch": 1}, *pretrained]


def set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    torch.manual_seed(seed)


def never() -> bool:
    return False


class Trainer:
    """Fits a model with an objective; keeps the weights of the best validation epoch in `best_state`.

    steps_per_epoch: batches in one pass over the training data (objective.steps(train)); the
    learning-rate schedule spans steps_per_epoch * config.epochs steps.
    groups: optional parameter groups, each {"params", "lr_scale", "from_epoch"}: its learning rate
    is lr * lr_scale, and zero before epoch from_epoch (see fine_tuning_groups). Default: one group.
    parallel: a distributed.Torchrun to train as one of torchrun's workers; default one process.
    """

    def __init__(self, model, objective, config: TrainConfig, device, steps_per_epoch: int, groups=None, parallel=None):
        import torch

        self.model = model.to(device)
        self.parallel = parallel or distributed.OneProcess()
        self.network = self.parallel.wrap(self.model)  # what steps run through; self.model is saved
        self.objective = objective
        self.config = config
        self.device = device
        self.steps_per_epoch = steps_per_epoch
        self.groups = groups or [{"params": list(model.parameters()), "lr_scale": 1.0, "from_epoch": 1}]
        # fused: one kernel for all parameters instead of several per tensor
        self.optimizer = torch.optim.AdamW(
            [{"params": group["params"]} for group in self.groups], lr=config.lr, weight_decay=config.weight_decay,
            fused=device.type in ("cpu", "cuda"),
        )  # fmt: skip
        self.scheduler = warmup_then_decay(self.optimizer, steps_per_epoch * config.epochs, groups, steps_per_epoch)
        self.parameters = [p for group in self.groups for p in group["params"]]
        self.position = Position()
        self.best_state = None
        self.best_epoch = 0
        self.best_key = None
        self.history: list[dict] = []
        self.finished = False  # every epoch ran, or early stopping ended the run
        self.interrupted = False  # should_stop() ended fit() inside an epoch or between epochs
        # torch's threads follow the cores other processes leave free (inference.threads); torchrun's
        # workers keep the share they were given
        self.threads = Adaptive() if device.type == "cpu" and isinstance(self.parallel, distributed.OneProcess) else None

    def fit(
        self, train, validation, on_step: Callable[[Step], None] | None = None, should_stop=never
    ) -> Iterator[EpochResult]:
        """Trains from `position` on. Stops after `patience` epochs without gain, or at the next step
        boundary once should_stop() is true (then `interrupted` is set and state() can resume)."""
        self.interrupted = False
        try:
            while not self.finished:
                started = time.perf_counter()
                if not self.train_epoch(train, on_step, should_stop):
                    self.interrupted = True
                    return
                train_seconds = self.position.seconds
                result = self.end_epoch(validation, train_seconds, time.perf_counter() - started)
                yield result
        finally:
            if self.threads is not None:
                self.threads.restore()

    def train_epoch(self, train, on_step, should_stop) -> bool:
        """The rest of the current epoch's batches. -> False when stopped before its end."""
        position = self.position
        rng = random.Random(self.config.seed * 1000 + position.epoch)  # each epoch's order from the seed alone
        base, started = position.seconds, time.perf_counter()
        # the same global batches on every rank, each training on its part
        order = self.parallel.shard(self.objective.batches(train, rng))  # building them is training time
        self.network.train()
        for batch in order[position.done :]:
            if self.parallel.any(should_stop()):
                return False
            self.step(batch)
            if self.threads is not None:
                self.threads.check()
            position.seconds = base + time.perf_counter() - started
            if on_step is not None:
                count = max(position.count, 1)
                loss, accuracy = position.loss / count, position.correct / count
                on_step(Step(position.epoch, position.done, len(order), loss, accuracy))
        return True

    def step(self, batch) -> None:
        import torch

        self.optimizer.zero_grad(set_to_none=True)
        stats = self.parallel.train_step(self.objective, self.network, batch)  # summed over ranks
        if stats.count:
            # foreach: one multi-tensor norm and scale instead of one of each per tensor (-15% here)
            torch.nn.utils.clip_grad_norm_(self.parameters, self.config.clip, foreach=True)
            self.optimizer.step()
            self.scheduler.step()
        self.position.add(stats)

    def end_epoch(self, validation, train_seconds: float, seconds_so_far: float) -> EpochResult:
        """Validate, keep the weights if best, decide on early stopping, move to the next epoch."""
        started = time.perf_counter()
        position = self.position
        val_loss, val_accuracy = self.parallel.validate(self.objective, self.model, validation)
        improved = self.keep_if_best(position.epoch, self.objective.key(val_loss, val_accuracy))
        count = max(position.count, 1)
        result = EpochResult(
            position.epoch, position.loss / count, position.correct / count, val_loss, val_accuracy,
            seconds_so_far + time.perf_counter() - started, train_seconds, position.tokens, improved,
            self.threads.during() if self.threads is not None else [],
        )  # fmt: skip
        self.history.append(asdict(result))
        patience_spent = position.epoch - self.best_epoch >= self.config.patience
        all_training = position.epoch >= self.last_unfreezing()
        self.finished = position.epoch >= self.config.epochs or (patience_spent and all_training)
        self.position = Position(epoch=position.epoch + 1)
        return result

    def last_unfreezing(self) -> int:
        """Early stopping waits until every group trains: a head-only epoch says little."""
        return max(group["from_epoch"] for group in self.groups)

    def keep_if_best(self, epoch: int, key: tuple) -> bool:
        if self.best_key is not None and key <= self.best_key:
            return False
        self.best_key, self.best_epoch = key, epoch
        self.best_state = copy.deepcopy({k: v.detach().cpu() for k, v in self.model.state_dict().items()})
        return True

    @property
    def epochs_done(self) -> int:
        return self.position.epoch - 1

    def state(self) -> dict:
        """Everything to continue this run exactly: weights, optimizer, schedule, RNGs, position, best."""
        import torch

        rng = {"python": random.getstate(), "torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return {
            "model": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
            "optimizer": self.optimizer.state_dict(),
            "scheduler": {k: v for k, v in self.scheduler.state_dict().items() if k != "lr_lambdas"},
            "rng": rng,
            "position": asdict(self.position),
            "best": {"state": self.best_state, "epoch": self.best_epoch, "key": self.best_key},
            "history": self.history,
            "finished": self.finished,
        }

    def load_state(self, state: dict) -> None:
        """The inverse of state(); the model, optimizer and groups must be built as for that run."""
        import torch

        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict({**state["scheduler"], "lr_lambdas": [None] * len(self.optimizer.param_groups)})
        random.setstate(state["rng"]["python"])
        torch.set_rng_state(state["rng"]["torch"])
        if "cuda" in state["rng"] and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["rng"]["cuda"], self.device)
        self.position = Position(**state["position"])
        best = state["best"]
        self.best_state, self.best_epoch = best["state"], best["epoch"]
        self.best_key = tuple(best["key"]) if best["key"] is not None else None
        self.history = list(state["history"])
        self.finished = state["finished"]
