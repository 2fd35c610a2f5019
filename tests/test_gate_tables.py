"""reviewcli.gate_tables: scoring through per-word gate tables gives the model's own probabilities
(1e-5), fills a word's rows once, and is used for prediction only where it applies."""

import pytest
import torch

from reviewcli import gate_tables
from reviewcli.batching import encode
from reviewcli.config import ModelConfig
from reviewcli.inference import Predictor, score
from reviewcli.model import SentimentModel
from reviewcli.vocab import PAD, UNK, Vocabulary

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
        torch.testing.assert_close(torch.sigmoid(reader(ids, lengths)), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_review_scores_the_same_alone_as_in_a_batch_with_padding(cell):
    reader = gate_tables.Reader(tiny(cell))
    ids, lengths = random_batch(5)
    together = reader(ids, lengths)
    for row in range(len(ids)):
        alone = reader(ids[row : row + 1, : lengths[row]], lengths[row : row + 1])
        torch.testing.assert_close(alone, together[row : row + 1], atol=1e-5, rtol=0)


def test_rows_are_filled_for_the_words_seen_and_only_those():
    model = tiny("lstm")
    reader = gate_tables.Reader(model)
    ids, lengths = random_batch(1, words=range(2, 20))
    reader(ids, lengths)
    assert reader.filled.nonzero().flatten().tolist() == sorted(set(ids.flatten().tolist()))
    later, later_lengths = random_batch(2, words=range(15, VOCAB))  # some seen, some new
    fresh = gate_tables.Reader(model)
    torch.testing.assert_close(reader(later, later_lengths), fresh(later, later_lengths), atol=1e-6, rtol=0)
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
    assert predictor.predict(texts) == pytest.approx(plain, abs=1e-5)
