"""Checkpoints and --resume: an interrupted run, resumed, ends with the uninterrupted run's weights."""

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import DATA, ROOT, TINY, invoke
from safetensors.torch import load_file

from reviewcli.core.config import ModelConfig, TrainConfig
from reviewcli.model.language_model import LanguageModel
from reviewcli.model.network import SentimentModel
from reviewcli.store import checkpoint
from reviewcli.training.loop import Trainer, set_seed
from reviewcli.training.objectives import Classification, LanguageModelling

CPU = torch.device("cpu")
LONG_RUN = ["--epochs", "5", "--patience", "5", "--batch-size", "16"]  # epochs 2-5 outlast the signal


def test_split_and_join_keep_tensors_tuples_and_integer_keys():
    state = {
        "optimizer": {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.ones(2, 2)}}, "groups": [{"betas": (0.9, 0.99)}]},
        "rng": (3, (1, 2, 3), None),
        "key": (0.5, -0.25),
        "none": None,
    }
    tensors = {}
    body = json.loads(json.dumps(checkpoint.split(state, "state", tensors)))  # as stored
    back = checkpoint.join(body, tensors)
    assert set(tensors) == {"state.optimizer.state.0.step", "state.optimizer.state.0.exp_avg"}
    assert list(back["optimizer"]["state"]) == [0]
    assert torch.equal(back["optimizer"]["state"][0]["exp_avg"], torch.ones(2, 2))
    assert back["optimizer"]["groups"][0]["betas"] == (0.9, 0.99)
    assert back["rng"] == (3, (1, 2, 3), None) and back["key"] == (0.5, -0.25) and back["none"] is None


def classifier_run(config):
    set_seed(7)
    model = SentimentModel(ModelConfig(vocab_size=20, embedding_dim=6, hidden=5, dropout=0.3))
    data = ([[2 + (i * 7) % 17, 3 + i % 11, 4 + (i * 3) % 13][: 1 + i % 3] for i in range(40)], [i % 2 for i in range(40)])
    objective = Classification(config, CPU)
    return Trainer(model, objective, config, CPU, objective.steps(data)), data, (data[0][:10], data[1][:10])


def language_model_run(config):
    set_seed(7)
    counts = [0, 1] + [5] * 18
    model = LanguageModel(ModelConfig(vocab_size=20, embedding_dim=6, hidden=6, dropout=0.2), counts, negatives=8)
    data = [[2 + (i * 5 + j) % 18 for j in range(2 + i % 6)] for i in range(40)]
    objective = LanguageModelling(config, CPU)
    return Trainer(model, objective, config, CPU, objective.steps(data)), data, data[:8]


def stop_after(steps: int):
    """should_stop that turns true after `steps` training steps were asked about."""
    asked = {"n": 0}

    def should_stop():
        asked["n"] += 1
        return asked["n"] > steps

    return should_stop


@pytest.mark.parametrize("make_run", [classifier_run, language_model_run], ids=["classifier", "language-model"])
@pytest.mark.parametrize("stop_at", [5, 8, 13], ids=["mid-epoch-2", "between-epochs", "mid-epoch-4"])
def test_interrupted_and_resumed_equals_uninterrupted(make_run, stop_at, tmp_path):
    """Stopped after `stop_at` steps (4 a epoch), saved to disk, loaded into a fresh trainer, finished."""
    config = TrainConfig(epochs=4, batch_size=10, seed=3, patience=10, adversarial=0.05)
    whole, train, validation = make_run(config)
    list(whole.fit(train, validation))

    first, _, _ = make_run(config)
    list(first.fit(train, validation, should_stop=stop_after(stop_at)))
    assert first.interrupted and not first.finished
    assert (first.position.epoch, first.position.done) == (stop_at // 4 + 1, stop_at % 4)
    checkpoint.write(tmp_path / "checkpoint", first.state(), {"run": "test"})
    torch.manual_seed(999)  # the resumed process starts from other random states
    state, run = checkpoint.read(tmp_path)
    second, _, _ = make_run(config)
    second.load_state(state)
    list(second.fit(train, validation))
    assert second.finished and run == {"run": "test"}
    assert [h["epoch"] for h in second.history] == [1, 2, 3, 4]
    assert [h["val_loss"] for h in second.history] == [h["val_loss"] for h in whole.history]
    for name, tensor in whole.model.state_dict().items():
        assert torch.equal(second.model.state_dict()[name], tensor), name
    for name, tensor in whole.best_state.items():
        assert torch.equal(second.best_state[name], tensor), name


def test_pretraining_keeps_its_best_epoch_not_its_last(tmp_path):
    """The held-out loss falls, then rises: the saved encoder is epoch 2's, and says so."""
    from reviewcli.core.vocab import Vocabulary
    from reviewcli.training import stages
    from reviewcli.training.events import Reporter

    class Scripted(LanguageModelling):
        losses = iter([1.0, 0.5, 0.8])

        def validate(self, model, data):
            return next(self.losses), 0.1

    config = TrainConfig(epochs=3, batch_size=10, patience=5)
    trainer, train, validation = language_model_run(config)
    trainer.objective = Scripted(config, CPU)
    snapshots = {}

    class Recording(Reporter):
        def epoch(self, result):
            snapshots[result.epoch] = {k: v.clone() for k, v in trainer.model.state_dict().items()}

    vocab = Vocabulary(["<pad>", "<unk>", *(f"w{i}" for i in range(18))])
    run = stages.Run(tmp_path / "lm", "pretrained-encoder", config, vocab, {}, {}, "reviewcli pretrain --resume")
    stages.fit(trainer, run, train, validation, reporter=Recording(), should_stop=lambda: False)
    saved = load_file(tmp_path / "lm" / "model.safetensors")
    assert all(torch.equal(saved[k], snapshots[2][k]) for k in saved)
    assert not all(torch.equal(saved[k], snapshots[3][k]) for k in saved)
    metrics = json.loads((tmp_path / "lm" / "config.json").read_text())["metrics"]
    assert metrics == {"best_epoch": 2, "next_word_loss": 0.5}


def start(args: list) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, "-m", "reviewcli", *map(str, args)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def signal_after_first_epoch(process: subprocess.Popen, signals: list, saved: Path | None = None) -> list[str]:
    """Signals once epoch 1's line is printed, and, given `saved`, once its model is on disk there
    (the line comes before the save: without the wait, a quick second Ctrl-C can beat the save)."""
    lines = []
    for line in process.stderr:
        lines.append(line.rstrip("\n"))
        if line.startswith("epoch 1: loss"):
            break
    while saved is not None and not (saved / "config.json").exists() and process.poll() is None:
        time.sleep(0.01)
    for number in signals:
        process.send_signal(number)
    lines += [line.rstrip("\n") for line in process.stderr]
    process.wait(timeout=120)
    return lines


@pytest.mark.slow
def test_ctrl_c_keeps_a_usable_model_and_resume_finishes_the_same_run(tmp_path):
    args = ["train", DATA / "train.jsonl", *TINY, *LONG_RUN, "--no-bidirectional", "--cell", "lstm"]
    out = tmp_path / "run"
    lines = signal_after_first_epoch(start([*args, "--out", out]), [signal.SIGINT])
    assert lines[-2] == "Ctrl-C: stopping after this step to save the model and a checkpoint (again to quit at once)"
    last = lines[-1]
    assert last.startswith("Interrupted: Ctrl-C in epoch ") and f"{out} holds the best model so far" in last
    assert not any("Traceback" in line for line in lines)
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["complete"] is False and config["training"]["epochs_planned"] == 5
    assert checkpoint.exists(out)
    predicted = invoke(["predict", "great taste", "-m", out, "-f", "jsonl"])
    assert predicted.exit_code == 0 and json.loads(predicted.stdout)["label"] in ("positive", "negative")

    resume = shlex.split(last.split("Resume: ", 1)[1])
    assert resume[:2] == ["reviewcli", "train"] and resume[-1] == "--resume"
    assert "--no-bidirectional" in resume and resume[resume.index("--cell") + 1] == "lstm"
    result = invoke(resume[1:])
    assert result.exit_code == 0, result.output
    assert not checkpoint.exists(out)
    assert json.loads((out / "config.json").read_text())["training"]["complete"] is True
    whole = invoke([*args, "--out", tmp_path / "whole", "-q"])
    assert whole.exit_code == 0, whole.output
    first, second = load_file(out / "model.safetensors"), load_file(tmp_path / "whole" / "model.safetensors")
    assert all(torch.equal(first[k], second[k]) for k in second)


@pytest.mark.slow
def test_sigterm_stops_like_ctrl_c(tmp_path):
    out = tmp_path / "run"
    lines = signal_after_first_epoch(start(["train", DATA / "train.jsonl", *TINY, *LONG_RUN, "--out", out]), [signal.SIGTERM])
    assert lines[-1].startswith("Interrupted: SIGTERM in epoch ")
    assert checkpoint.exists(out)


@pytest.mark.slow
def test_a_second_ctrl_c_stops_at_once_and_corrupts_nothing(tmp_path):
    from reviewcli.store import artifacts

    out = tmp_path / "run"
    process = start(["train", DATA / "train.jsonl", *TINY, *LONG_RUN, "--out", out])
    lines = signal_after_first_epoch(process, [signal.SIGINT, signal.SIGINT], saved=out)
    assert process.returncode == 130
    assert lines[-1].startswith("Interrupted: ")
    assert not any("Traceback" in line for line in lines)
    artifacts.load(out)  # the model saved after epoch 1 (or at the stop) is whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging copy, no lock left


def test_resume_with_other_settings_names_what_differs(tmp_path, small_train):
    out = tmp_path / "m"
    first = invoke(["train", small_train, *TINY, "--epochs", "2", "--out", out, "-q"])
    assert first.exit_code == 0
    make_unfinished(out, small_train)
    result = invoke(["train", small_train, *TINY, "--epochs", "2", "--lr", "0.01", "--out", out, "--resume", "-q"])
    assert result.exit_code == 2
    assert "train.lr: checkpoint 0.002, now 0.01" in result.stderr
    other = tmp_path / "other.jsonl"
    other.write_text(small_train.read_text(encoding="utf-8").replace("good", "fine"), encoding="utf-8")
    result = invoke(["train", other, *TINY, "--epochs", "2", "--out", out, "--resume", "-q"])
    assert result.exit_code == 2
    assert "data: checkpoint " in result.stderr and "Resume with the same command and data" in result.stderr


def make_unfinished(out, small_train):
    """Interrupt a run on `out` after its first epoch, in-process."""
    from reviewcli import commands
    from reviewcli.io.data import Columns
    from reviewcli.training import stages
    from reviewcli.training.events import Reporter

    class StopAfterFirstEpoch(Reporter):
        def epoch(self, result):
            os.kill(os.getpid(), signal.SIGINT)

    config = TrainConfig(epochs=2, min_freq=1, max_vocab=300, device="cpu")
    with pytest.raises(stages.Interrupted):
        commands.train(
            [str(small_train)], columns=Columns(), model_options={"embedding_dim": 8, "hidden": 8}, config=config,
            out=out, reporter=StopAfterFirstEpoch(), force=True,
        )  # fmt: skip
    assert checkpoint.exists(out)


@pytest.mark.slow
def test_pretrain_resume_finishes_the_same_run(tmp_path):
    from reviewcli import commands
    from reviewcli.training import stages
    from reviewcli.training.events import Reporter

    class StopAfterFirstEpoch(Reporter):
        def epoch(self, result):
            if result.epoch == 1:
                os.kill(os.getpid(), signal.SIGINT)

    options = {"cell": "gru", "embedding_dim": 8, "hidden": 8, "layers": 1, "bidirectional": True, "dropout": 0.1}
    config = TrainConfig(epochs=3, min_freq=1, max_vocab=300, device="cpu", adversarial=0.0, batch_size=32)
    out = tmp_path / "lm"
    with pytest.raises(stages.Interrupted, match="Resume: reviewcli pretrain --resume"):
        commands.pretrain([str(DATA / "train.jsonl")], text_column=None, model_options=options, config=config,
                          out=out, reporter=StopAfterFirstEpoch())  # fmt: skip
    assert json.loads((out / "config.json").read_text())["training"]["epochs_done"] == 1
    cli = ["pretrain", DATA / "train.jsonl", "--cell", "gru", "--embedding-dim", "8", "--hidden", "8", "--min-freq", "1",
           "--max-vocab", "300", "--device", "cpu", "--epochs", "3", "--batch-size", "32", "-q"]  # fmt: skip
    result = invoke([*cli, "--out", out, "--resume"])
    assert result.exit_code == 0, result.output
    whole = invoke([*cli, "--out", tmp_path / "whole"])
    assert whole.exit_code == 0, whole.output
    first, second = load_file(out / "model.safetensors"), load_file(tmp_path / "whole" / "model.safetensors")
    assert all(torch.equal(first[k], second[k]) for k in second)
    losses = [[h["val_loss"] for h in json.loads((d / "config.json").read_text())["history"]] for d in (out, tmp_path / "whole")]
    assert losses[0] == losses[1] and len(losses[0]) == 3


@pytest.mark.slow
def test_sigterm_before_training_exits_cleanly_and_leaves_no_lock(tmp_path):
    out = tmp_path / "run"
    process = start(["train", DATA / "train.jsonl", *TINY, *LONG_RUN, "--out", out])
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith("data: "):  # the data is read; training has not begun, or only just
            process.send_signal(signal.SIGTERM)
            break
    lines += list(process.stderr)
    assert process.wait(timeout=120) == 130
    assert lines[-1].startswith(("Error: interrupted.", "Interrupted: SIGTERM"))
    assert not any("Traceback" in line for line in lines)
    assert not (tmp_path / ".run.lock").exists()
