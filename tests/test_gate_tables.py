"""reviewcli.inference.gate_tables: scoring through per-word gate tables gives the model's own probabilities
(to float32 noise), fills a word's rows once, and is used for prediction only where it applies."""

import pytest
import torch
from conftest import NETWORK, assert_near

from reviewcli.core.config import ModelConfig
from reviewcli.core.vocab import PAD, UNK, Vocabulary
from reviewcli.inference import gate_tables
from reviewcli.inference.batching import encode
from reviewcli.inference.predictor import Predictor, score
from reviewcli.model.network import SentimentModel

VOCAB = 40


def tiny(cell: str, bidirectional: bool = True, layers: int = 1, seed: int = 0) -> SentimentModel:
    torch.manual_seed(seed)
    config = ModelConfig(
        vocab_size=VOCAB, cell=cell, embedding_dim=6, hidden=5, layers=layers, bidirectional=bidirectional
    )
    model = SentimentModel(config).eval()
    with torch.no_grad():  # biases of a size a trained model has, so a misplaced one shows
        for name, parameter in model.named_parameters():
            if "bias" in name:
                parameter.uniform_(-1.0, 1.0)
    return model


def random_batch(seed: int, batch: int = 7, longest: int = 13, words=range(2, VOCAB)):
    """ids (B, T) padded with 0, lengths from 1 to `longest`; a review of length 1 always present."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, longest + 1, (batch,), generator=generator)
    lengths[0], lengths[1] = longest, 1
    pool = torch.tensor(list(words))
    ids = pool[torch.randint(0, len(pool), (batch, longest), generator=generator)]
    ids[torch.arange(longest).unsqueeze(0) >= lengths.unsqueeze(1)] = 0
    return ids, lengths


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_reader_gives_the_models_probabilities(cell, bidirectional):
    model = tiny(cell, bidirectional)
    reader = gate_tables.Reader(model)
    for seed in range(3):
        ids, lengths = random_batch(seed)
        with torch.no_grad():
            expected = torch.sigmoid(model(ids, lengths))
        # probabilities: sigmoid's float error is relative to p (dp/p = (1 - p) dlogit), so rtol alone
        torch.testing.assert_close(torch.sigmoid(reader(ids, lengths)), expected, atol=0, rtol=NETWORK)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_review_scores_the_same_alone_as_in_a_batch_with_padding(cell):
    reader = gate_tables.Reader(tiny(cell))
    ids, lengths = random_batch(5)
    together = reader(ids, lengths)
    for row in range(len(ids)):
        alone = reader(ids[row : row + 1, : lengths[row]], lengths[row : row + 1])
        assert_near(alone, together[row : row + 1], NETWORK)  # logits: 1 row unpadded against 7 padded


def test_rows_are_filled_for_the_words_seen_and_only_those():
    model = tiny("lstm")
    reader = gate_tables.Reader(model)
    ids, lengths = random_batch(1, words=range(2, 20))
    reader(ids, lengths)
    assert reader.filled.nonzero().flatten().tolist() == sorted(set(ids.flatten().tolist()))
    later, later_lengths = random_batch(2, words=range(15, VOCAB))  # some seen, some new
    fresh = gate_tables.Reader(model)
    # rows filled earlier (projected in another batch of words) give what a fresh table's rows give
    assert_near(reader(later, later_lengths), fresh(later, later_lengths), NETWORK)
    assert reader.filled.sum() == len(set(ids.flatten().tolist()) | set(later.flatten().tolist()))


def test_it_applies_to_one_layer_gru_and_lstm_in_fp32_on_the_cpu_only():
    cpu = torch.device("cpu")
    assert gate_tables.applies(tiny("lstm"), cpu, bf16=False)
    assert gate_tables.applies(tiny("gru", bidirectional=False), cpu, bf16=False)
    assert not gate_tables.applies(tiny("lstm"), cpu, bf16=True)
    assert not gate_tables.applies(tiny("lstm"), torch.device("cuda"), bf16=False)
    assert not gate_tables.applies(tiny("rnn"), cpu, bf16=False)
    two_layers = tiny("gru", layers=2)
    assert not gate_tables.applies(two_layers, cpu, bf16=False)
    assert gate_tables.reader_for(two_layers, cpu, bf16=False) is two_layers


def test_predictor_scores_through_the_tables_and_agrees_with_the_model():
    model = tiny("lstm")
    vocab = Vocabulary([PAD, UNK] + [f"w{i}" for i in range(2, VOCAB)])
    predictor = Predictor(model, vocab, max_length=50, device=torch.device("cpu"), batch_size=4)
    assert isinstance(predictor.forward, gate_tables.Reader)
    texts = ["w2 w3 w4", "", "w39 " * 30, "unheard of words", "w7"]
    encoded = [encode(text, vocab, 50) for text in texts]
    plain = score(model, encoded, batch_size=4, device=torch.device("cpu"))
    assert predictor.predict(texts) == pytest.approx(plain, rel=NETWORK)  # probabilities: relative to p


def test_scoring_on_threads_gives_the_same_probabilities_in_order_and_restores_torch_threads(two_threads):
    model = tiny("gru")
    reader = gate_tables.Reader(model)  # a fresh one: its rows fill from both threads at once
    generator = torch.Generator().manual_seed(3)
    encoded = [torch.randint(2, VOCAB, (int(n),), generator=generator).tolist() for n in torch.randint(1, 20, (90,))]
    serial = score(model, encoded, batch_size=4, device=torch.device("cpu"))
    threads = torch.get_num_threads()
    threaded = score(model, encoded, batch_size=4, device=torch.device("cpu"), forward=reader, workers=3)
    assert threaded == pytest.approx(serial, rel=NETWORK)  # tables against the module: relative to p
    assert torch.get_num_threads() == threads


def test_threads_are_restored_when_a_batch_fails(two_threads):
    from reviewcli.inference.predictor import in_threads

    def fails(item):
        assert torch.get_num_threads() == 1  # 2 workers, 1 of torch's threads each
        if item == 5:
            raise ValueError("batch 5")
        return item * 2

    threads = torch.get_num_threads()
    with pytest.raises(ValueError, match="batch 5"):
        list(in_threads(fails, range(10), workers=2))
    assert torch.get_num_threads() == threads
    assert list(in_threads(fails, range(5), workers=2)) == [0, 2, 4, 6, 8]


def test_predictor_runs_batches_on_threads_never_more_than_the_batches(monkeypatch):
    """The tables and the module alike (inference.threads: one torch thread per batch kept both from
    collapsing beside a busy core); one thread on a GPU."""
    import reviewcli.inference.threads as inference

    monkeypatch.setattr(torch, "get_num_threads", lambda: 8)
    cpu = torch.device("cpu")
    vocab = Vocabulary([PAD, UNK] + [f"w{i}" for i in range(2, VOCAB)])
    tables = Predictor(tiny("lstm"), vocab, max_length=50, device=cpu, batch_size=4)
    assert tables.workers(1) == 1  # one batch: nothing to share
    assert tables.workers(9) == 3
    assert tables.workers(1000) == inference.MAX_WORKERS
    module = Predictor(tiny("lstm", layers=2), vocab, max_length=50, device=cpu, batch_size=4)
    assert module.forward is module.model  # no tables for two layers
    assert module.workers(9) == 3
    assert module.workers(1000) == inference.MAX_WORKERS
    module.device = torch.device("cuda")
    assert module.workers(1000) == 1
