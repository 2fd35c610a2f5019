"""reviewcli.training.loop: reproducibility and early stopping that keeps the best epoch."""

import json

import pytest
import torch
from conftest import TINY, invoke

from reviewcli.core.config import ModelConfig, TrainConfig
from reviewcli.model.network import SentimentModel
from reviewcli.training.loop import Trainer, set_seed
from reviewcli.training.objectives import Classification

CPU = torch.device("cpu")


def toy_data(n=24):
    encoded = [[2 + i % 5, 3 + (i * 3) % 7, 4] for i in range(n)]
    labels = [i % 2 for i in range(n)]
    return encoded, labels


class Scripted(Classification):
    """Validation results given in advance, as (loss, accuracy) per epoch."""

    def __init__(self, config, results):
        super().__init__(config, CPU)
        self.results = iter(results)

    def validate(self, model, data):
        return next(self.results)


def make_trainer(scripted=None, **train_options):
    set_seed(5)
    model = SentimentModel(ModelConfig(vocab_size=12, embedding_dim=4, hidden=4))
    config = TrainConfig(batch_size=8, seed=5, **train_options)
    objective = Scripted(config, scripted) if scripted else Classification(config, CPU)
    return Trainer(model, objective, config, CPU, objective.steps(toy_data()))


def test_same_seed_same_data_same_weights(tmp_path, small_train):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        result = invoke(["train", small_train, *TINY, "--epochs", "2", "--seed", "3", "--out", out, "-q"])
        assert result.exit_code == 0, result.output
    from safetensors.torch import load_file

    first, second = (load_file(out / "model.safetensors") for out in outs)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[name], second[name]) for name in first)
    assert (outs[0] / "vocab.json").read_text() == (outs[1] / "vocab.json").read_text()


def test_trainer_is_reproducible_in_process():
    states = []
    for _ in range(2):
        trainer = make_trainer(epochs=2)
        list(trainer.fit(toy_data(), toy_data(8)))
        states.append(trainer.model.state_dict())
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])


def test_early_stopping_keeps_the_best_epoch():
    scripted = [(0.70, 0.50), (0.60, 0.80), (0.65, 0.70), (0.50, 0.75), (0.4, 0.9)]  # (loss, accuracy)
    trainer = make_trainer(scripted, epochs=10, patience=2)
    snapshots, results = {}, []
    for result in trainer.fit(toy_data(), toy_data(8)):
        results.append(result)
        snapshots[result.epoch] = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
    # best at epoch 2, then two epochs without gain: stop after epoch 4
    assert [r.epoch for r in results] == [1, 2, 3, 4]
    assert [r.best for r in results] == [True, True, False, False]
    assert trainer.best_epoch == 2 and trainer.finished
    assert trainer.best_key == (0.80, -0.60)
    assert all(torch.equal(trainer.best_state[k], snapshots[2][k]) for k in snapshots[2])
    assert not all(torch.equal(trainer.best_state[k], snapshots[4][k]) for k in snapshots[4])


def test_lower_loss_breaks_accuracy_ties():
    trainer = make_trainer([(0.70, 0.80), (0.60, 0.80), (0.65, 0.80)], epochs=3, patience=5)
    results = list(trainer.fit(toy_data(), toy_data(8)))
    assert [r.best for r in results] == [True, True, False]
    assert trainer.best_epoch == 2


def test_on_step_reports_every_batch():
    trainer = make_trainer(epochs=1)
    steps = []
    list(trainer.fit(toy_data(24), toy_data(8), on_step=steps.append))
    assert [(s.epoch, s.done, s.total) for s in steps] == [(1, 1, 3), (1, 2, 3), (1, 3, 3)]


def test_saved_model_is_the_best_epoch(tiny_model):
    config = json.loads((tiny_model / "config.json").read_text(encoding="utf-8"))
    best_epochs = [h["epoch"] for h in config["history"] if h["best"]]
    assert config["metrics"]["best_epoch"] == best_epochs[-1]
    best = next(h for h in config["history"] if h["epoch"] == best_epochs[-1])
    assert config["metrics"]["validation_accuracy"] == pytest.approx(best["val_accuracy"])


def test_train_config_rejects_bad_values():
    with pytest.raises(ValueError, match="val_fraction"):
        TrainConfig(val_fraction=1.0)
    with pytest.raises(ValueError, match="lr must be positive"):
        TrainConfig(lr=0)


def test_fit_stage_saves_the_best_epoch_not_the_last(tmp_path, small_train):
    """Through the stages, as commands.train runs them, with validation results scripted."""
    from safetensors.torch import load_file

    from reviewcli.io.data import Columns
    from reviewcli.training import stages
    from reviewcli.training.events import Reporter

    config = TrainConfig(epochs=3, patience=5, batch_size=8, min_freq=1, max_vocab=300, device="cpu")
    data = stages.prepare_data([str(small_train)], Columns(), config, say=print)
    built = stages.build_model(data, {"embedding_dim": 8, "hidden": 8}, seed=config.seed, say=print)
    objective = Scripted(config, [(0.50, 0.90), (0.60, 0.60), (0.70, 0.50)])  # epoch 1 is best
    trainer = Trainer(built.model, objective, config, CPU, objective.steps(data.train))
    out = tmp_path / "m"
    run = stages.Run(out, "sentiment", config, data.vocab, data.record, {}, "reviewcli train --resume")
    snapshots = {}

    class Recording(Reporter):
        def epoch(self, result):
            snapshots[result.epoch] = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}

    stages.fit(trainer, run, data.train, data.validation, reporter=Recording(), should_stop=lambda: False)
    saved = load_file(out / "model.safetensors")
    assert sorted(snapshots) == [1, 2, 3]
    assert all(torch.equal(saved[k], snapshots[1][k]) for k in saved)
    assert not all(torch.equal(saved[k], snapshots[3][k]) for k in saved)
    config_json = json.loads((out / "config.json").read_text())
    assert config_json["metrics"]["best_epoch"] == 1
    assert config_json["training"] == {"complete": True, "epochs_done": 3, "epochs_planned": 3}
    assert not (out / "checkpoint").exists()


def test_adversarial_perturbation_is_sized_per_review_and_follows_the_gradient():
    from reviewcli.training.objectives import adversarial_perturbation

    torch.manual_seed(0)
    embedded, grad = torch.randn(5, 3, 4), torch.randn(5, 3, 4)
    embedded[3:, 0], grad[3:, 0] = 0.0, 0.0  # review 0 is 3 words long: padding after
    step = adversarial_perturbation(embedded, grad, 0.1)
    assert torch.allclose(step.norm(dim=(0, 2)), 0.1 * embedded.norm(dim=(0, 2)))
    assert torch.equal(step[3:, 0], torch.zeros(2, 4))
    for review in range(3):  # the same direction as the gradient
        cosine = torch.nn.functional.cosine_similarity(step[:, review].flatten(), grad[:, review].flatten(), dim=0)
        assert cosine == pytest.approx(1.0)


def adversarial_setup(size):
    from reviewcli.inference.batching import batches

    set_seed(5)
    model = SentimentModel(ModelConfig(vocab_size=12, embedding_dim=4, hidden=4, dropout=0.0))
    objective = Classification(TrainConfig(batch_size=8, seed=5, adversarial=size), CPU)
    encoded, labels = toy_data(8)
    _, ids, lengths, targets = next(batches(encoded, labels, 8, 0, None))
    return model, objective, ids, lengths, targets, torch.nn.BCEWithLogitsLoss(reduction="sum")


def test_adversarial_backward_adds_the_gradient_of_the_loss_at_perturbed_vectors():
    from reviewcli.training.objectives import adversarial_perturbation

    model, objective, ids, lengths, targets, loss_fn = adversarial_setup(0.5)
    logits, embedded = model(ids, lengths, keep_embedded=True)
    embedded.retain_grad()
    (loss_fn(logits, targets) / 8).backward()
    clean = [p.grad.clone() for p in model.parameters()]
    perturbation = adversarial_perturbation(embedded.detach(), embedded.grad, 0.5)
    perturbed_loss = loss_fn(model.classify(model.embed(ids) + perturbation, lengths), targets) / 8
    extra = torch.autograd.grad(perturbed_loss, list(model.parameters()))

    objective.adversarial_backward(model, ids, lengths, targets, embedded)
    for param, before, added in zip(model.parameters(), clean, extra):
        assert torch.allclose(param.grad, before + added, atol=1e-6)


def test_an_adversarial_training_step_is_the_two_passes_through_forward():
    """train_step = clean loss backward + perturbed loss backward, both through model.forward."""
    model, objective, ids, lengths, targets, loss_fn = adversarial_setup(0.5)
    calls = []
    original = model.forward
    model.forward = lambda *args, **kwargs: calls.append(sorted(kwargs)) or original(*args, **kwargs)
    stats = objective.train_step(model, (None, ids, lengths, targets))
    assert calls == [["keep_embedded"], ["perturbation"]]
    assert stats.count == 8 and stats.tokens == int(lengths.sum())
    model.zero_grad()
    objective.config = TrainConfig(batch_size=8, adversarial=0.0)
    calls.clear()
    objective.train_step(model, (None, ids, lengths, targets))
    assert calls == [[]]


def test_the_adversarial_step_raises_the_loss():
    from reviewcli.training.objectives import adversarial_perturbation

    model, _, ids, lengths, targets, loss_fn = adversarial_setup(0.05)
    embedded = model.embed(ids).detach().requires_grad_()
    loss = loss_fn(model.classify(embedded, lengths), targets)
    (grad,) = torch.autograd.grad(loss, embedded)
    step = adversarial_perturbation(embedded.detach(), grad, 0.05)
    with torch.no_grad():
        pushed = loss_fn(model.classify(embedded + step, lengths), targets)
        pulled = loss_fn(model.classify(embedded - step, lengths), targets)
    assert pulled < loss < pushed


def test_train_with_adversarial_records_it_and_rejects_negative_sizes(tmp_path, small_train):
    out = tmp_path / "m"
    result = invoke(["train", small_train, *TINY, "--epochs", "1", "--adversarial", "0.05", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["train"]["adversarial"] == 0.05
    result = invoke(["train", small_train, *TINY, "--adversarial", "-1", "--out", tmp_path / "n", "-q"])
    assert result.exit_code == 2
    with pytest.raises(ValueError, match="adversarial"):
        TrainConfig(adversarial=-0.1)


def test_train_config_comes_back_from_config_json(tiny_model):
    stored = json.loads((tiny_model / "config.json").read_text(encoding="utf-8"))["train"]
    config = TrainConfig.from_dict({**stored, "from_a_newer_version": 1})
    assert config.to_dict() == stored
    assert config.epochs == 2 and config.lr == 0.01
