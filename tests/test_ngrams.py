"""reviewcli.model.ngrams: the bag of words and pairs beside the encoder: its features, its score and
shares, and that prediction, explanation, saving and `train` all carry it."""

import json

import pytest
import torch
from conftest import DATA, FEW_OPS, NETWORK, TINY, assert_near, near
from test_gate_tables import random_batch
from typer.testing import CliRunner

from reviewcli.cli.main import app
from reviewcli.core.config import ModelConfig, TrainConfig
from reviewcli.core.vocab import PAD, UNK, Vocabulary
from reviewcli.explain import attribution
from reviewcli.inference import gate_tables
from reviewcli.model.network import SentimentModel
from reviewcli.model.ngrams import SCALE, BagOfNgrams
from reviewcli.store import artifacts
from reviewcli.store.artifacts import Record

VOCAB, BUCKETS = 40, 64


def with_bag(cell: str = "lstm", seed: int = 0) -> SentimentModel:
    """A tiny model whose bag has random weights (a fresh one is all zeros and would hide mistakes)."""
    torch.manual_seed(seed)
    config = ModelConfig(vocab_size=VOCAB, cell=cell, embedding_dim=6, hidden=5, ngram_buckets=BUCKETS)
    model = SentimentModel(config).eval()
    with torch.no_grad():
        model.ngrams.rows.weight.uniform_(-1.0, 1.0)
        model.ngrams.rows.weight[config.pad_index] = 0.0
    return model


def test_pairs_are_ordered_hashed_past_the_vocabulary_and_padding_has_none():
    bag = BagOfNgrams(VOCAB, BUCKETS, pad_index=0)
    pairs = bag.pair_ids(torch.tensor([[5, 7, 0, 0], [7, 5, 3, 0]]))
    assert pairs.shape == (2, 3)
    assert pairs[0, 1:].tolist() == [0, 0]  # (7, pad) and (pad, pad)
    assert pairs[1, 2].item() == 0
    real = pairs[pairs != 0]
    assert ((real >= VOCAB) & (real < VOCAB + BUCKETS)).all()
    assert pairs[0, 0] != pairs[1, 0]  # (5, 7) and (7, 5)


def test_a_fresh_bag_adds_nothing():
    torch.manual_seed(3)
    plain = SentimentModel(ModelConfig(vocab_size=VOCAB, embedding_dim=6, hidden=5)).eval()
    bagged = SentimentModel(ModelConfig(vocab_size=VOCAB, embedding_dim=6, hidden=5, ngram_buckets=BUCKETS)).eval()
    bagged.load_state_dict({**bagged.state_dict(), **plain.state_dict()})
    ids, lengths = random_batch(1)
    with torch.no_grad():
        torch.testing.assert_close(bagged(ids, lengths), plain(ids, lengths))


def test_score_is_the_scaled_sum_over_the_root_of_the_feature_count():
    bag = BagOfNgrams(VOCAB, BUCKETS, pad_index=0)
    with torch.no_grad():
        bag.rows.weight[5] = 1.0
        bag.rows.weight[7] = -3.0
    ids = torch.tensor([[5, 7, 5, 0]])  # 3 words, 2 pairs (weights 0): features 5
    expected = SCALE * (1.0 - 3.0 + 1.0) / 5**0.5
    assert bag(ids, torch.tensor([3])).item() == pytest.approx(expected)


def test_shares_add_up_to_the_score_and_padding_changes_nothing():
    model = with_bag()
    ids, lengths = random_batch(2)
    with torch.no_grad():
        scores = model.ngrams(ids, lengths)
        shares = model.ngrams.shares(ids, lengths)
        # shares summed here, the score summed inside the bag: sized by the shares, which may cancel
        scale = float(shares.abs().sum(dim=1).max())
        torch.testing.assert_close(shares.sum(dim=1), scores, atol=FEW_OPS * scale, rtol=FEW_OPS)
        assert (shares[ids == 0] == 0).all()
        for row in range(len(ids)):
            alone = model.ngrams(ids[row : row + 1, : lengths[row]], lengths[row : row + 1])
            assert_near(alone, scores[row : row + 1], FEW_OPS)  # 1 row unpadded against 7 padded


def test_the_bag_learns_a_pair_its_words_alone_cannot_tell():
    """'a b' is positive and 'b a' negative: the same words, so only the pair features can learn it."""
    torch.manual_seed(0)
    bag = BagOfNgrams(VOCAB, BUCKETS, pad_index=0)
    ids, labels = torch.tensor([[2, 3], [3, 2]]), torch.tensor([1.0, 0.0])
    optimizer = torch.optim.Adam(bag.parameters(), lr=0.05)
    for _ in range(50):
        optimizer.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(bag(ids, torch.tensor([2, 2])), labels).backward()
        optimizer.step()
    scores = bag(ids, torch.tensor([2, 2]))
    assert scores[0] > 1 and scores[1] < -1


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gate_tables_give_the_models_probabilities_with_a_bag(cell):
    model = with_bag(cell)
    reader = gate_tables.Reader(model)
    ids, lengths = random_batch(4)
    with torch.no_grad():
        expected = torch.sigmoid(model(ids, lengths))
    torch.testing.assert_close(torch.sigmoid(reader(ids, lengths)), expected, atol=0, rtol=NETWORK)


def test_integrated_gradients_give_each_word_its_share_of_the_bag():
    """With the head silenced the logit is the bag's score alone: the words' scores must be its shares."""
    model = with_bag()
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    ids = [4, 9, 9, 17, 2, 30]
    found = attribution.integrated_gradients(model, ids)
    review, lengths = torch.tensor([ids]), torch.tensor([len(ids)])
    with torch.no_grad():
        shares = model.ngrams.shares(review, lengths)[0]
        assert found.logit == near(model.ngrams(review, lengths).item(), FEW_OPS)
    assert shares.abs().max() > 0.1
    assert found.scores == near(shares.tolist(), FEW_OPS)
    assert found.baseline_logit == pytest.approx(0.0, abs=FEW_OPS * float(shares.abs().sum()))  # the bag's sum less its shares
    assert found.completeness_error < 1e-4


def test_saved_and_loaded_with_its_bag(tmp_path):
    model = with_bag()
    vocab = Vocabulary([PAD, UNK] + [f"w{i}" for i in range(VOCAB - 2)])
    record = Record(artifacts.SENTIMENT_KIND, TrainConfig(), {}, {}, [], 1, True)
    artifacts.save(tmp_path / "m", model.config, model.state_dict(), vocab, record)
    loaded, _, config = artifacts.load(tmp_path / "m")
    assert config["model"]["ngram_buckets"] == BUCKETS
    ids, lengths = random_batch(6)
    with torch.no_grad():
        torch.testing.assert_close(loaded(ids, lengths), model(ids, lengths))


def test_a_config_from_before_the_bag_reads_as_none():
    assert ModelConfig.from_dict({"vocab_size": 10}).ngram_buckets == 0
    with pytest.raises(ValueError, match="ngram_buckets"):
        ModelConfig(vocab_size=10, ngram_buckets=-1)


def test_train_has_a_bag_by_default_and_not_with_zero_buckets(tmp_path):
    runner = CliRunner()
    for name, extra in (("default", []), ("none", ["--ngram-buckets", "0"])):
        out = tmp_path / name
        args = ["train", str(DATA), *TINY, "--epochs", "1", "--from-scratch", "--out", str(out), "--quiet", *extra]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    default = json.loads((tmp_path / "default" / "config.json").read_text())["model"]
    assert default["ngram_buckets"] == 2**18
    assert json.loads((tmp_path / "none" / "config.json").read_text())["model"]["ngram_buckets"] == 0
    trained = artifacts.load(tmp_path / "default")[0]
    assert trained.ngrams.rows.weight.abs().sum() > 0  # it learned something in the one epoch
    assert artifacts.load(tmp_path / "none")[0].ngrams is None
