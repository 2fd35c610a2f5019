"""Threads chosen by the load: reading it, the counts chosen, training and explaining on threads."""

import threading
import time

import pytest
import torch
from conftest import DATA, NETWORK, TINY

from reviewcli.inference import threads
from reviewcli.inference.threads import Adaptive, Load, fixed, free_cores, in_threads, workers_for


def write_stat(folder, busy: list[int], idle: list[int], own: int):
    """A /proc/stat with one line per CPU (user=busy, idle) and a /proc/self/stat with utime=own."""
    stat = folder / "stat"
    lines = ["cpu  0 0 0 0 0 0 0 0 0 0"]
    lines += [f"cpu{n} {b} 0 0 {i} 0 0 0 0 0 0" for n, (b, i) in enumerate(zip(busy, idle))]
    stat.write_text("\n".join(lines) + "\nintr 1 2 3\n")
    own_stat = folder / "self-stat"
    # field 2 is the name, in parentheses and possibly with spaces; utime and stime are fields 14, 15
    own_stat.write_text(f"123 (python3 -m x) R {' '.join(['0'] * 10)} {own} 0 0 0\n")
    return str(stat), str(own_stat)


def test_load_counts_other_processes_not_this_one(tmp_path):
    stat, own = write_stat(tmp_path, busy=[0, 0], idle=[0, 0], own=0)
    load = Load(cpus=[0, 1], stat=stat, own=own)
    # 100 ticks pass on each CPU: 150 busy in all, 50 of them ours -> others held one core
    write_stat(tmp_path, busy=[100, 50], idle=[0, 50], own=50)
    assert load.others() == pytest.approx(1.0)
    # next 100 ticks: only our own work -> nobody else
    write_stat(tmp_path, busy=[200, 100], idle=[0, 100], own=200)
    assert load.others() == pytest.approx(0.0)


def test_load_only_counts_the_cpus_we_may_use(tmp_path):
    stat, own = write_stat(tmp_path, busy=[0, 0, 0], idle=[0, 0, 0], own=0)
    load = Load(cpus=[0, 1], stat=stat, own=own)
    write_stat(tmp_path, busy=[0, 0, 100], idle=[100, 100, 0], own=0)  # cpu2 busy: not ours
    assert load.others() == pytest.approx(0.0)


def test_load_is_unknown_without_proc(tmp_path):
    load = Load(cpus=[0, 1], stat=str(tmp_path / "missing"), own=str(tmp_path / "missing"))
    assert load.others() is None


def test_load_reads_this_machine():
    load = Load()
    sum(i * i for i in range(300_000))  # some ticks of our own
    time.sleep(0.05)
    found = load.others()
    if not __import__("sys").platform.startswith("linux"):
        assert found is None
    else:
        assert found is None or 0.0 <= found <= len(load.cpus)


@pytest.mark.parametrize(
    "others, cpus, expected",
    [(None, 2, 2), (0.0, 2, 2), (0.1, 2, 2), (1.0, 2, 1), (0.8, 2, 1), (3.0, 2, 1), (1.0, 8, 7), (0.6, 8, 7)],
)
def test_free_cores(others, cpus, expected):
    assert free_cores(others, cpus) == expected


def test_fixed_by_the_environment():
    assert fixed({}) is None
    assert fixed({"OMP_NUM_THREADS": "3"}) == 3
    assert fixed({"REVIEWCLI_THREADS": "2", "OMP_NUM_THREADS": "3"}) == 2
    assert fixed({"OMP_NUM_THREADS": "0"}) is None
    assert fixed({"OMP_NUM_THREADS": "four"}) is None


class FakeLoad:
    def __init__(self, values, cpus=2):
        self.values, self.cpus = list(values), list(range(cpus))

    def others(self):
        return self.values.pop(0)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_adaptive_follows_the_load_and_restores(two_threads):
    clock = FakeClock()
    adaptive = Adaptive(every=5.0, first=1.0, load=FakeLoad([1.0, 0.0]), environ={}, clock=clock)
    adaptive.check()  # before the first look: nothing
    assert torch.get_num_threads() == 2
    clock.now = 1.0
    adaptive.check()  # another process holds a core
    assert torch.get_num_threads() == 1
    clock.now = 3.0
    adaptive.check()  # not time to look again
    assert torch.get_num_threads() == 1
    clock.now = 6.0
    adaptive.check()  # quiet again
    assert torch.get_num_threads() == 2
    assert adaptive.during() == [2, 1, 2]
    assert adaptive.during() == [2]
    torch.set_num_threads(1)
    adaptive.restore()
    assert torch.get_num_threads() == 2


def test_adaptive_leaves_a_fixed_count_alone(two_threads):
    clock = FakeClock()
    adaptive = Adaptive(every=0.0, first=0.0, load=FakeLoad([1.0]), environ={"OMP_NUM_THREADS": "2"}, clock=clock)
    clock.now = 10.0
    adaptive.check()
    assert torch.get_num_threads() == 2
    assert adaptive.during() == [2]


def test_in_threads_keeps_order_and_reads_ahead_a_little(two_threads):
    taken = []

    def items():
        for i in range(40):
            taken.append(i)
            yield i

    def slow_square(i):
        time.sleep(0.002 * (i % 3))  # later items often finish first
        return i * i, threading.current_thread().name

    results = in_threads(slow_square, items(), workers=2)
    first = next(results)
    assert first[0] == 0
    assert len(taken) <= 2 * 2 + 1  # a stream is read as it is used, not all at once
    rest = list(results)
    assert [square for square, _ in [first, *rest]] == [i * i for i in range(40)]
    assert any(name.startswith("reviewcli-score") for _, name in rest)
    assert torch.get_num_threads() == 2  # restored


def test_in_threads_passes_errors_on_in_order(two_threads):
    def fails_at_three(i):
        if i == 3:
            raise ValueError("three")
        return i

    got = []
    with pytest.raises(ValueError, match="three"):
        for value in in_threads(fails_at_three, range(20), workers=2):
            got.append(value)
    assert got == [0, 1, 2]
    assert torch.get_num_threads() == 2


def test_workers_for(two_threads):
    cpu = torch.device("cpu")
    assert workers_for(10, cpu) == 2
    assert workers_for(1, cpu) == 1
    assert workers_for(10, torch.device("cuda")) == 1


def test_module_path_scores_on_threads_like_the_tables(tiny_model, two_threads):
    """A model the gate tables do not apply to (bf16, two layers, CUDA) also runs batches on threads
    with one torch thread each: the same probabilities as one batch at a time."""
    from reviewcli.inference.predictor import load_predictor, score

    predictor = load_predictor(tiny_model, "cpu", "fp32")
    texts = [f"great taste number {i} but stale" if i % 2 else f"awful {i} never again" for i in range(300)]
    encoded = [predictor.vocab.encode(predictor.tokens(t)) or [1] for t in texts]
    one_at_a_time = score(predictor.model, encoded, batch_size=16, device=predictor.device, forward=predictor.model)
    on_threads = score(predictor.model, encoded, batch_size=16, device=predictor.device, forward=predictor.model, workers=2)
    assert on_threads == pytest.approx(one_at_a_time, rel=NETWORK, abs=NETWORK)
    predictor.forward = predictor.model
    assert predictor.workers(300) == 2
    assert "the module, fp32; 2 batches at a time, 1 torch thread each" == predictor.runs_as()


def test_training_that_changes_threads_matches_training_that_does_not(monkeypatch, two_threads, tmp_path):
    """A run whose thread count goes 2, 1, 2, ... every step (as the load would move it) trains the same
    model as one on a fixed count, and its history says which counts it ran on."""
    import json

    from typer.testing import CliRunner

    from reviewcli.cli.app import app



    def train(out, flipping: bool):
        if flipping:
            monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
            monkeypatch.setattr(threads, "Load", lambda: FakeLoad([1.0, 0.0] * 1000))
            monkeypatch.setattr(threads, "FIRST", 0.0)
            monkeypatch.setattr(threads, "EVERY", 0.0)
        else:
            monkeypatch.setenv("OMP_NUM_THREADS", "1")
        result = CliRunner().invoke(app, ["train", str(DATA / "train.jsonl"), *TINY, "--epochs", "2", "-q", "--out", str(out)])
        assert result.exit_code == 0, result.output
        return json.loads((out / "config.json").read_text())

    fixed_config = train(tmp_path / "fixed", flipping=False)
    torch.set_num_threads(2)
    flipping_config = train(tmp_path / "flipping", flipping=True)
    assert [e["threads"] for e in fixed_config["history"]] == [[1], [1]]  # a fixed count stays
    counts = flipping_config["history"][0]["threads"]
    assert counts[:3] == [2, 1, 2] and set(counts) == {1, 2}
    assert torch.get_num_threads() == 2  # restored after training

    from safetensors.torch import load_file

    fixed_weights = load_file(tmp_path / "fixed" / "model.safetensors")
    flipping_weights = load_file(tmp_path / "flipping" / "model.safetensors")
    for name, tensor in fixed_weights.items():
        assert torch.allclose(flipping_weights[name], tensor, rtol=NETWORK, atol=NETWORK), name


def test_explain_on_threads_matches_one_at_a_time(tiny_model, monkeypatch, two_threads):
    from reviewcli import commands

    texts = [f"review {i}: the taste was great but the box arrived crushed" if i % 2 else "stale and soggy" for i in range(9)]

    def explain_all():
        found, _ = commands.explain(
            texts, input_path=None, model_dir=tiny_model, text_column=None, method="ig", gates=False, device="cpu"
        )
        return [(e.text, e.probability, e.attribution) for e in found]

    on_threads = explain_all()
    monkeypatch.setattr(threads, "workers_for", lambda items, device: 1)
    one_at_a_time = explain_all()
    assert [text for text, _, _ in on_threads] == texts  # in input order
    for (_, p, scores), (_, q, expected) in zip(on_threads, one_at_a_time):
        assert p == pytest.approx(q, rel=NETWORK, abs=NETWORK)
        assert [s for s in scores if s is not None] == pytest.approx([s for s in expected if s is not None], rel=NETWORK, abs=NETWORK)


def test_load_is_unknown_when_proc_reads_oddly(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu0 1 2 x 4 5 6 7 8\n")
    own = tmp_path / "self-stat"
    own.write_bytes("1 (n\u00e4me) R ".encode() + b"0 " * 10 + b"7 8 0 0\n")
    load = Load(cpus=[0], stat=str(stat), own=str(own))
    assert load.read() is None  # a field that is not a number
    stat.write_text("cpu0 1 2 3 4 5 6 7 8\n")
    assert load.read() == (1 + 2 + 3 + 6 + 7 + 8, 36, 15)  # a name that is not ASCII is fine
