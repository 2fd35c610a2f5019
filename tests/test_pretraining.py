"""reviewcli pretrain and train --init: the language models, the corpus rules, fine-tuning."""

import json

import pytest
import torch
from conftest import DATA, FEW_OPS, assert_near, invoke, write_jsonl
from safetensors.torch import load_file

from reviewcli.core.config import ModelConfig
from reviewcli.model.language_model import LanguageModel, sampling_distribution
from reviewcli.model.network import SentimentModel
from reviewcli.training.loop import fine_tuning_groups

PRETRAIN_TINY = ["--cell", "gru", "--embedding-dim", "8", "--hidden", "8", "--min-freq", "1", "--max-vocab", "300", "--device", "cpu"]


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory):
    """A tiny bidirectional GRU encoder pretrained for 2 epochs on the texts of data/train.jsonl."""
    out = tmp_path_factory.mktemp("pretrained") / "encoder"
    result = invoke(["pretrain", DATA / "train.jsonl", *PRETRAIN_TINY, "--epochs", "2", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_pretrain_writes_an_encoder_directory(encoder_dir):
    config = json.loads((encoder_dir / "config.json").read_text())
    assert config["kind"] == "pretrained-encoder"
    assert config["data"]["sources"] == ["data/train.jsonl"]  # never the build machine's absolute path
    assert [epoch["epoch"] for epoch in config["history"]] == [1, 2]
    weights = load_file(encoder_dir / "model.safetensors")
    assert "embedding.weight" in weights and "encoder.backward_rnns.0.weight_hh_l0" in weights
    assert not any(name.startswith("head.") for name in weights)


def test_pretrain_reports_its_own_measure(tmp_path, small_train):
    """A language model has no validation accuracy to report; its best epoch is the lowest next-word loss."""
    out = tmp_path / "lm"
    result = invoke(["pretrain", small_train, *PRETRAIN_TINY, "--epochs", "2", "--out", out])
    assert result.exit_code == 0, result.output
    assert "tokens from 1 file (" in result.stderr
    assert "validation accuracy" not in result.stderr
    config = json.loads((out / "config.json").read_text())
    best = config["metrics"]
    assert f"best next word loss: {best['next_word_loss']:.4f} (epoch {best['best_epoch']})" in result.stderr
    assert best["next_word_loss"] == min(h["val_loss"] for h in config["history"])


def test_language_model_learns_the_text(tmp_path):
    """Loss on held-out reviews falls over epochs on a repetitive corpus."""
    lines = ["the coffee is great and fresh", "the tea is stale and bitter", "great taste and fresh smell"] * 40
    corpus = tmp_path / "reviews.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "lm"
    options = ["--epochs", "6", "--lr", "0.02", "--batch-size", "8", "--out", out, "-q"]
    result = invoke(["pretrain", corpus, *PRETRAIN_TINY, *options])
    assert result.exit_code == 0, result.output
    history = json.loads((out / "config.json").read_text())["history"]
    assert history[-1]["val_loss"] < 0.6 * history[0]["val_loss"]
    assert history[-1]["val_accuracy"] > 0.6  # the next word beats the sampled others


def test_forward_and_backward_targets_are_next_and_previous_words():
    """With every state equal to a target's embedding, only the right pairing scores well."""
    config = ModelConfig(vocab_size=6, embedding_dim=4, hidden=4, dropout=0.0)
    model = LanguageModel(config, counts=[0, 1, 1, 1, 1, 1], negatives=64).eval()
    seen = {}

    def record(hidden, targets):
        seen["targets"] = targets.tolist()
        return torch.zeros(()), torch.zeros(())

    model.sampled_loss = record
    model(torch.tensor([[2, 3, 4, 0], [5, 2, 0, 0]]), torch.tensor([3, 2]))
    # forward: 3, 4 follow in review 1 and 2 in review 2; backward: 2, 3 and 5 precede
    assert sorted(seen["targets"]) == sorted([3, 2, 4] + [2, 5, 3])


def test_sampling_never_draws_padding():
    distribution = sampling_distribution([100, 50, 3, 1], pad_index=0)
    assert distribution[0] == 0
    assert distribution.sum().item() == pytest.approx(1.0)
    assert distribution[1] > distribution[2] > distribution[3]


def test_pretrain_refuses_test_splits(tmp_path):
    test_file = write_jsonl(tmp_path / "test.jsonl", [{"text": "fine"}])
    result = invoke(["pretrain", test_file, "--out", tmp_path / "out"])
    assert result.exit_code == 2
    assert "held-out split" in result.stderr


def test_pretrain_reads_only_train_and_unlabeled_files_of_a_folder(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", [{"text": "good coffee", "label": "positive"}] * 30)
    write_jsonl(tmp_path / "unlabeled.jsonl", [{"text": "nice mug"}] * 30)
    write_jsonl(tmp_path / "test.jsonl", [{"text": "secret words", "label": "negative"}] * 30)
    out = tmp_path / "out"
    result = invoke(["pretrain", tmp_path, *PRETRAIN_TINY, "--epochs", "1", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    vocab = json.loads((out / "vocab.json").read_text())
    assert {"good", "mug"} <= set(vocab)
    assert "secret" not in vocab


def test_an_encoder_cannot_predict(encoder_dir):
    result = invoke(["predict", "great", "--model", encoder_dir])
    assert result.exit_code == 1
    assert "train DATA --init" in result.stderr


def init_stages(encoder_dir, small_train, *, gradual=False, new_words=False):
    """The data and model stages as `train --init` runs them."""
    from reviewcli.commands import options_from_init
    from reviewcli.core.config import TrainConfig
    from reviewcli.io.data import Columns
    from reviewcli.training import stages

    said = []
    init = stages.read_init(encoder_dir)
    config = TrainConfig(min_freq=1)
    data = stages.prepare_data([str(small_train)], Columns(), config, say=said.append, init=init, new_words=new_words)
    options = options_from_init(encoder_dir, init.config, {})
    built = stages.build_model(data, options, seed=1, say=said.append, init=init, gradual=gradual)
    return data, built, said


def test_train_init_starts_from_the_encoder_weights(encoder_dir, small_train):
    data, built, said = init_stages(encoder_dir, small_train)
    pretrained = load_file(encoder_dir / "model.safetensors")
    assert torch.equal(built.model.embedding.weight, pretrained["embedding.weight"])
    assert torch.equal(built.model.encoder.forward_rnns[0].weight_hh_l0, pretrained["encoder.forward_rnns.0.weight_hh_l0"])
    assert built.groups is None  # by default every weight trains from the first step
    assert said == [f"init: vocabulary, embedding and encoder from {encoder_dir}"]


def test_train_init_takes_vocabulary_and_architecture(encoder_dir, small_train, tmp_path):
    out = tmp_path / "fine-tuned"
    result = invoke(["train", small_train, "--init", encoder_dir, "--epochs", "3", "--out", out, "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert f"init: vocabulary, embedding and encoder from {encoder_dir}" in result.stderr
    assert "model: gru," in result.stderr and "saved to: " + str(out) in result.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["model"]["hidden"] == 8 and config["model"]["embedding_dim"] == 8
    assert (out / "vocab.json").read_text() == (encoder_dir / "vocab.json").read_text()
    assert config["data"]["init"] == str(encoder_dir)


def test_train_init_without_out_saves_under_the_init_models_cell(tmp_path, small_train, monkeypatch):
    """--init of an LSTM says model: lstm and saves to models/lstm, not to models/gru."""
    encoder = tmp_path / "lstm-encoder"
    result = invoke(["pretrain", small_train, *PRETRAIN_TINY, "--cell", "lstm", "--epochs", "1", "--out", encoder, "-q"])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path)
    result = invoke(["train", small_train, "--init", encoder, "--epochs", "1", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert "model: lstm," in result.stderr
    assert json.loads((tmp_path / "models" / "lstm" / "config.json").read_text())["model"]["cell"] == "lstm"
    assert not (tmp_path / "models" / "gru").exists()


def test_train_init_gradual_unfreezes_layer_by_layer(encoder_dir, small_train, tmp_path):
    _, built, said = init_stages(encoder_dir, small_train, gradual=True)
    assert [g["from_epoch"] for g in built.groups] == [1, 2, 3]
    assert "layers unfreeze one per epoch" in said[-1]
    out = tmp_path / "gradual"
    result = invoke(["train", small_train, "--init", encoder_dir, "--gradual", "--epochs", "3", "--out", out])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["data"]["gradual_unfreezing"] is True


def test_train_init_refuses_a_contradicting_architecture(encoder_dir, small_train, tmp_path):
    result = invoke(["train", small_train, "--init", encoder_dir, "--hidden", "16", "--out", tmp_path / "m"])
    assert result.exit_code == 2
    assert "--hidden 16 contradicts" in result.stderr


def test_init_and_vectors_are_exclusive(encoder_dir, small_train, tmp_path):
    vectors = tmp_path / "v.txt"  # 8-dimensional like the encoder, so no size mismatch can fail first
    vectors.write_text("".join(f"{word} {' '.join(['0.1'] * 8)}\n" for word in ("good", "bad", "taste")), "utf-8")
    options = ["--epochs", "1", "--out", tmp_path / "m", "-q"]
    result = invoke(["train", small_train, "--init", encoder_dir, "--vectors", vectors, *options])
    assert result.exit_code == 2
    assert "--vectors and --init both set the embeddings" in result.stderr


def test_train_init_accepts_a_trained_sentiment_model(tiny_model, small_train, tmp_path):
    result = invoke(["train", small_train, "--init", tiny_model, "--epochs", "1", "--out", tmp_path / "m", "-q"])
    assert result.exit_code == 0, result.output


def test_fine_tuning_groups_unfreeze_from_the_top_with_smaller_rates():
    model = SentimentModel(ModelConfig(vocab_size=10, embedding_dim=4, hidden=4, layers=2))
    groups = fine_tuning_groups(model)
    assert [g["from_epoch"] for g in groups] == [1, 2, 3, 4]
    scales = [g["lr_scale"] for g in groups]
    assert scales == sorted(scales, reverse=True) and scales[0] == 1.0
    covered = [id(p) for g in groups for p in g["params"]]
    assert sorted(covered) == sorted(id(p) for p in model.parameters())  # every weight, once
    assert groups[1]["params"][0] is model.encoder.forward_rnns[1].weight_ih_l0  # the top layer first


def test_fine_tuning_groups_train_the_bag_of_ngrams_with_the_head():
    """The bag starts at zero, not pretrained: left out of every group it would never train."""
    model = SentimentModel(ModelConfig(vocab_size=10, embedding_dim=4, hidden=4, ngram_buckets=16))
    groups = fine_tuning_groups(model)
    covered = [id(p) for g in groups for p in g["params"]]
    assert sorted(covered) == sorted(id(p) for p in model.parameters())  # every weight, once
    assert any(p is model.ngrams.rows.weight for p in groups[0]["params"]) and groups[0]["from_epoch"] == 1


def test_frozen_groups_do_not_move_in_their_first_epochs(small_train):
    """Before its from_epoch a group's learning rate is zero, so its weights stay as they were."""
    from reviewcli.core.config import TrainConfig
    from reviewcli.training.loop import Trainer
    from reviewcli.training.objectives import Classification

    model = SentimentModel(ModelConfig(vocab_size=12, embedding_dim=4, hidden=4))
    before = model.embedding.weight.detach().clone()
    head_before = model.head.weight.detach().clone()
    config = TrainConfig(batch_size=8, epochs=2, patience=5)
    data = ([[2 + i % 5, 3, 4] for i in range(16)], [i % 2 for i in range(16)])
    objective = Classification(config, torch.device("cpu"))
    trainer = Trainer(model, objective, config, torch.device("cpu"), objective.steps(data), fine_tuning_groups(model))
    list(trainer.fit(data, data))
    assert torch.equal(model.embedding.weight, before)  # the embedding starts in epoch 3
    assert not torch.equal(model.head.weight, head_before)  # the head trained from epoch 1


def test_train_init_new_words_join_the_vocabulary_at_the_mean_embedding(encoder_dir, small_train, tmp_path):
    data, built, said = init_stages(encoder_dir, small_train, new_words=True)
    old = json.loads((encoder_dir / "vocab.json").read_text())
    new = data.vocab.tokens
    added = len(new) - len(old)
    assert added > 0 and new[: len(old)] == old and not set(new[len(old) :]) & set(old)
    assert f"init: {added:,} words of the training data joined" in said[0]
    pretrained = load_file(encoder_dir / "model.safetensors")["embedding.weight"]
    embedding = built.model.embedding.weight.detach()
    assert torch.equal(embedding[: len(old)], pretrained)
    # a mean over the rows, summed here and in reviewcli perhaps in another order: near zero, a
    # component's error follows the rows' size, not its own
    assert_near(embedding[len(old) :], pretrained[1:].mean(dim=0).expand(added, -1), FEW_OPS)
    out = tmp_path / "wider"
    result = invoke(["train", small_train, "--init", encoder_dir, "--new-words", "--min-freq", "1", "--epochs", "1", "--out", out])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["model"]["vocab_size"] == len(new)
    assert json.loads((out / "vocab.json").read_text()) == new


@pytest.mark.parametrize("flag", ["--new-words", "--gradual"])
def test_fine_tuning_flags_need_init(flag, small_train, tmp_path):
    result = invoke(["train", small_train, flag, "--out", tmp_path / "m"])
    assert result.exit_code == 2
    assert f"{flag} changes how an --init model is fine-tuned" in result.stderr


def test_pretrain_needs_two_tokens_per_review(tmp_path):
    result = invoke(["pretrain", DATA / "train.jsonl", "--max-length", "1", "--out", tmp_path / "lm"])
    assert result.exit_code == 2
    assert "--max-length" in result.stderr
