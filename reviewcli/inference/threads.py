"""How many threads torch computes on, chosen by the cores other processes leave free.

torch splits each operation among its threads (OpenMP), and every operation ends when its slowest
thread does. Where another process holds a core, one of those threads waits behind it for the
scheduler, at every one of the thousands of small operations a recurrent network runs, and the
whole falls far below what one thread alone does. Measured on 2 AMD EPYC cores, torch 2.13, with
one `python -c "while True: pass"` beside it (bench/speed.py, section 5; docs/benchmarks.md):

- training on CR: 2 threads 15.2k tokens/s quiet and 4.2k busy; 1 thread 9.9k both ways;
  OMP_WAIT_POLICY=PASSIVE 7.6k and 7.9k (slower than 1 thread even when quiet);
- scoring with the module: 1 batch on 2 threads 3,987 reviews/s quiet, 940 busy; 2 batches at a
  time on 1 thread each 4,576 and 2,795 (the gate tables: 1.3-1.45x as fast as 1 batch on 2
  threads, quiet; bench/gate_tables.py);
- explain of 200 CR reviews: 2 threads 7.2 s quiet, 19.7 s busy; 1 thread 9.1 s and 9.7 s.

So inference runs batches (or reviews, for explain) on separate Python threads, one torch thread
each (workers_for, in_threads): nothing waits on a parked thread. Training cannot split its
steps that way, so it takes as many threads as there are free cores, looked at again as it goes
(Adaptive). Changing the count changed no bit of a trained model here (1 against 2 threads, CR).

REVIEWCLI_THREADS=N, or OMP_NUM_THREADS=N, fixes the count instead: then nothing here changes it.
"""

import math
import os
import time

FIXING_VARIABLES = ("REVIEWCLI_THREADS", "OMP_NUM_THREADS")
# a core counts as free when other processes used less than this share of it
FREE_MARGIN = 0.3
# seconds before the first look at the load while training, and between the later ones
FIRST, EVERY = 1.0, 5.0
# More threads than this would queue on the GIL, which each step of a recurrence takes briefly;
# measured with 2 only.
MAX_WORKERS = 4


def fixed(environ=os.environ) -> int | None:
    """The thread count the user set (REVIEWCLI_THREADS, then OMP_NUM_THREADS), or None."""
    for name in FIXING_VARIABLES:
        value = environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def cores() -> list[int]:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


class Load:
    """How many cores' worth of CPU time other processes took since the last look, from /proc/stat
    (the busy time of this process's CPUs) less this process's own (/proc/self/stat). Linux only:
    elsewhere others() is None."""

    def __init__(self, cpus: list[int] | None = None, stat: str = "/proc/stat", own: str = "/proc/self/stat"):
        self.cpus = cpus if cpus is not None else cores()
        self.stat, self.own = stat, own
        self.last = self.read()

    def read(self) -> tuple[int, int, int] | None:
        """(busy ticks of our CPUs, all ticks of our CPUs, this process's ticks), or None."""
        try:
            with open(self.stat, encoding="ascii") as file:
                lines = file.read().splitlines()
            with open(self.own, encoding="ascii", errors="replace") as file:  # the name may be any bytes
                fields = file.read().rsplit(")", 1)[1].split()  # the name in () may hold spaces
        except (OSError, IndexError):
            return None
        wanted = {f"cpu{n}" for n in self.cpus}
        busy = total = 0
        for line in lines:
            parts = line.split()
            if parts and parts[0] in wanted:
                fields_of_cpu = parts[1:9]  # user nice system idle iowait irq softirq steal
                if len(fields_of_cpu) < 5 or not all(x.isdigit() for x in fields_of_cpu):
                    return None
                ticks = [int(x) for x in fields_of_cpu]
                idle = ticks[3] + ticks[4]
                busy += sum(ticks) - idle
                total += sum(ticks)
        try:
            own = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
        except (IndexError, ValueError):
            return None
        return busy, total, own

    def others(self) -> float | None:
        now = self.read()
        before, self.last = self.last, now
        if now is None or before is None or now[1] <= before[1]:
            return None
        per_cpu = (now[1] - before[1]) / len(self.cpus)  # ticks that passed on each CPU
        return max(0.0, (now[0] - before[0]) - (now[2] - before[2])) / per_cpu


def free_cores(others: float | None, cpus: int) -> int:
    """Cores left for us: all of them when the load is unknown, at least one."""
    if others is None:
        return cpus
    return max(1, min(cpus, math.floor(cpus - others + FREE_MARGIN)))


class Adaptive:
    """Keeps torch's thread count at the free cores: check() every step; it looks at the load `first`
    seconds after it was made and every `every` seconds after that, and sets the count when it should
    change. Does nothing when the count is fixed."""

    def __init__(
        self, every: float | None = None, first: float | None = None, load: Load | None = None, environ=os.environ,
        clock=time.monotonic,
    ):  # fmt: skip
        import torch

        every = EVERY if every is None else every
        first = FIRST if first is None else first
        self.torch = torch
        count = fixed(environ)
        self.fixed = count is not None
        if self.fixed and count != torch.get_num_threads():
            torch.set_num_threads(count)  # REVIEWCLI_THREADS; OMP_NUM_THREADS set after torch was imported
        self.load = None if self.fixed else (load or Load())
        self.most = torch.get_num_threads()
        self.every, self.clock = every, clock
        self.next = clock() + first
        self.counts = [torch.get_num_threads()]  # the counts it ran on since during() was last asked

    def check(self) -> None:
        if self.fixed or self.clock() < self.next:
            return
        self.next = self.clock() + self.every
        wanted = min(self.most, free_cores(self.load.others(), len(self.load.cpus)))
        if wanted != self.torch.get_num_threads():
            self.torch.set_num_threads(wanted)
            self.counts.append(wanted)

    def during(self) -> list[int]:
        """The thread counts run on since the last call (or the start), in order; starts afresh."""
        counts, self.counts = self.counts, [self.torch.get_num_threads()]
        return counts

    def restore(self) -> None:
        """Back to the count it started with (the process may go on to other work)."""
        if not self.fixed and self.torch.get_num_threads() != self.most:
            self.torch.set_num_threads(self.most)


def workers_for(items: int, device) -> int:
    """Python threads to run `items` batches or reviews on, one torch thread each: one per torch
    thread, at most MAX_WORKERS, never more than the items; one on a GPU (its kernels queue)."""
    if device.type != "cpu":
        return 1
    import torch

    return max(1, min(torch.get_num_threads(), MAX_WORKERS, items))


def in_threads(function, items, workers: int):
    """function over items, results in order, as each is ready; with workers > 1, on that many
    threads with torch's own threads shared out among them for the while (restored after).

    torch's operations release the GIL, so Python threads suffice. At most 2 × workers items are
    taken ahead of the one given back, so a stream of items is read as it is used. On an error or
    Ctrl-C the items not yet started are dropped, not waited for."""
    if workers <= 1:
        yield from map(function, items)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, threads // workers))
    pool = ThreadPoolExecutor(workers, thread_name_prefix="reviewcli-score")
    pending = deque()
    try:
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(cancel_futures=True)
        torch.set_num_threads(threads)
