"""Training in several processes under torchrun: process groups, sharded batches, exact validation.

`from_environment()` reads what torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK, ...) and returns a
OneProcess (a plain run) or a Torchrun; the Trainer and commands.train ask it the few questions that
differ. --batch-size is the global batch: every rank builds the same length-bucketed order from the
seed and trains on its slice of each batch, and each rank's gradient counts by its share of the
batch, so N processes take the steps one process takes, whatever the split.
"""

import contextlib
import os
from dataclasses import dataclass


def no_sync(model):
    """For a step's first backward pass when a second follows (adversarial training): its gradients
    wait on each rank and travel with the second's, one all-reduce a step. Plain models: no-op."""
    return getattr(model, "no_sync", contextlib.nullcontext)()


def from_environment(environ=os.environ):
    world = int(environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return OneProcess()
    return Torchrun(
        rank=int(environ["RANK"]), world=world, local_rank=int(environ.get("LOCAL_RANK", "0")),
        local_world=int(environ.get("LOCAL_WORLD_SIZE", str(world))),
        restarts=int(environ.get("TORCHELASTIC_RESTART_COUNT", "0")),
    )  # fmt: skip


def threads_per_process(local_world: int, environ=os.environ) -> int:
    """REVIEWCLI_THREADS if set, else this machine's cores shared among its processes. (torchrun
    sets OMP_NUM_THREADS=1 for every worker unless told otherwise, which would idle most cores.)"""
    if environ.get("REVIEWCLI_THREADS"):
        return max(1, int(environ["REVIEWCLI_THREADS"]))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // local_world)


@dataclass
class Shard:
    batch: tuple  # this rank's reviews of one global batch, batched as the objective batches them
    share: float  # its reviews / the global batch's; 0 for a stand-in when the batch has too few


class Unlocked:
    """What a worker other than rank 0 holds instead of the run's lock: rank 0 holds it for all."""

    stale = None

    def __init__(self, out):
        self.out = out

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class OneProcess:
    """A run in one process: every answer is the plain one."""

    rank, world, is_main, restarted = 0, 1, True, False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def lock(self, out):
        from reviewcli.store.outdir import RunLock

        return RunLock(out)

    def reporter(self, reporter):
        return reporter

    def resumes(self, out) -> bool:
        """Whether a restarted run goes on from its checkpoint without --resume."""
        return False

    def start(self, device):
        return device

    def wrap(self, model):
        return model

    def shard(self, order: list) -> list:
        return order

    def train_step(self, objective, network, batch):
        return objective.train_step(network, batch)

    def any(self, flag: bool) -> bool:
        return flag

    def validate(self, objective, model, data) -> tuple[float, float]:
        return objective.validate(model, data)


class Torchrun(OneProcess):
    """One of `world` workers started by torchrun; rank 0 prints, locks and saves for all."""

    def __init__(self, *, rank: int, world: int, local_rank: int, local_world: int, restarts: int = 0):
        self.rank, self.world, self.local_rank, self.local_world = rank, world, local_rank, local_world
        self.is_main = rank == 0
        self.restarts = restarts
        self.restarted = restarts > 0
        self.device = None
        self.share = 1.0  # read by weighted_sum during the current step's backward pass

    def __exit__(self, *exc) -> None:
        if self.device is not None:
            import torch.distributed as dist

            dist.destroy_process_group()
            self.device = None

    def lock(self, out):
        return super().lock(out) if self.is_main else Unlocked(out)

    def reporter(self, reporter):
        from reviewcli.training.events import Reporter

        return reporter if self.is_main else Reporter()

    def resumes(self, out) -> bool:
        """torchrun restarted every worker (--max-restarts) after one failed: go on from the checkpoint."""
        from reviewcli.store import checkpoint

        return self.restarted and checkpoint.exists(out)

    def start(self, device):
        """Join the process group: NCCL on cuda:LOCAL_RANK, gloo on the CPU. -> this worker's device."""
        import torch
        import torch.distributed as dist

        if device.type == "cuda":
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
        torch.set_num_threads(threads_per_process(self.local_world))
        store, _, _ = next(dist.rendezvous("env://", self.rank, self.world))
        # torchrun's store outlives a restart, and with it the dead workers' addresses: a fresh prefix
        # per attempt keeps the new workers from dialling them
        store = dist.PrefixStore(f"reviewcli/attempt-{self.restarts}", store)
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, store=store, rank=self.rank, world_size=self.world)
        self.device = device
        return device

    def wrap(self, model):
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        network = DistributedDataParallel(model, device_ids=ids)
        network.register_comm_hook(self, weighted_sum)
        return network

    def shard(self, order: list) -> list:
        return [self.shard_of(batch) for batch in order]

    def shard_of(self, batch: tuple) -> Shard:
        """Every world-th review of a global batch (indices, ids, lengths, targets), from this rank's.
        A batch smaller than the world still needs this rank's passes (every rank joins each
        all-reduce): it gets the batch's first review, weighted 0."""
        size = len(batch[0])
        picked = list(range(self.rank, size, self.world))
        if not picked:
            return Shard(take(batch, [0]), 0.0)
        return Shard(take(batch, picked), len(picked) / size)

    def train_step(self, objective, network, shard: Shard):
        from reviewcli.training.events import StepStats

        self.share = shard.share
        with lost_peer():
            stats = objective.train_step(network, shard.batch)
            if not shard.share:
                stats = StepStats(0.0, 0, 0, 0)
            loss, correct, count, tokens = self.sum([stats.loss, stats.correct, stats.count, stats.tokens])
        return StepStats(loss, round(correct), round(count), round(tokens))

    def any(self, flag: bool) -> bool:
        """True when any rank's flag is: all stop at the same step, or none does."""
        with lost_peer():
            return self.sum([float(flag)])[0] > 0

    def validate(self, objective, model, data) -> tuple[float, float]:
        """Every validation example counted exactly once: each rank scores every world-th, and the
        sums are added (DistributedSampler would pad the last shard with repeats)."""
        with lost_peer():
            loss, correct, count = self.sum(objective.validation_totals(model, shard_data(data, self.rank, self.world)))
        return loss / max(count, 1), correct / max(count, 1)

    def sum(self, values) -> list[float]:
        import torch
        import torch.distributed as dist

        tensor = torch.tensor([float(v) for v in values], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return tensor.tolist()


def weighted_sum(state: Torchrun, bucket):
    """DDP's gradient hook: each rank's mean gradient times its share of the global batch, summed
    over ranks = the global batch's mean gradient, however unevenly the batch split."""
    import torch.distributed as dist

    tensor = bucket.buffer().mul_(state.share)
    return dist.all_reduce(tensor, async_op=True).get_future().then(lambda done: done.value()[0])


def take(batch: tuple, picked: list[int]) -> tuple:
    """The picked rows of each part of a batch: lists, tensors (first dimension) and None alike."""
    import torch

    index = torch.tensor(picked, dtype=torch.long)
    parts = []
    for part in batch:
        if part is None:
            parts.append(None)
        elif isinstance(part, list):
            parts.append([part[i] for i in picked])
        else:
            parts.append(part.index_select(0, index))
    return tuple(parts)


def shard_data(data, rank: int, world: int):
    """Every world-th example from `rank`'s: data is a list of examples or a tuple of parallel lists."""
    if isinstance(data, tuple):
        return tuple(part[rank::world] for part in data)
    return data[rank::world]


# what errors that a dead peer causes say: gloo and NCCL wrap them in plain RuntimeErrors
PEER_GONE = ("Connection reset", "Connection closed", "Broken pipe", "gloo", "NCCL")


@contextlib.contextmanager
def lost_peer():
    """Another worker died mid-collective: one line instead of a backend traceback. torchrun then
    restarts every worker if --max-restarts allows, and they go on from the checkpoint."""
    import torch.distributed as dist

    from reviewcli.core.errors import ReviewCliError

    try:
        yield
    except (dist.DistError, RuntimeError) as error:
        found = [words for words in PEER_GONE if words in str(error)]
        if not found and not isinstance(error, dist.DistError):
            raise
        raise ReviewCliError(
            f"another training process stopped ({found[0] if found else type(error).__name__}); under torchrun "
            "--max-restarts N the workers restart and go on from the last checkpoint."
        ) from None
