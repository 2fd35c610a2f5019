"""reviewcli.model.gates: replaying trained GRU/LSTM weights through the cell equations gives the modules'
own hidden states, and the gates say what was kept."""

import pytest
import torch

from reviewcli.core.config import ModelConfig
from reviewcli.model.gates import replay, summarise
from reviewcli.model.network import SentimentModel, reversal_index


def tiny(cell: str, layers: int = 2, bidirectional: bool = True, seed: int = 0) -> SentimentModel:
    torch.manual_seed(seed)
    config = ModelConfig(
        vocab_size=40, cell=cell, embedding_dim=6, hidden=5, layers=layers, bidirectional=bidirectional
    )
    return SentimentModel(config).eval()


def random_batch(seed: int, batch: int = 6, longest: int = 11):
    """ids (B, T) padded, random lengths from 1 to `longest` (the longest present once)."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, longest + 1, (batch,), generator=generator)
    lengths[0] = longest
    ids = torch.randint(2, 40, (batch, longest), generator=generator)
    ids[torch.arange(longest).unsqueeze(0) >= lengths.unsqueeze(1)] = 0
    return ids, lengths


def reference_layers(model, words, lengths) -> list[list[torch.Tensor]]:
    """The Encoder's own states per layer: [[forward, backward], ...], from nn.GRU / nn.LSTM."""
    encoder = model.encoder
    reverse = reversal_index(lengths, words.size(0)) if encoder.backward_rnns else None
    found, inputs = [], words
    for layer in range(len(encoder.forward_rnns)):
        states = encoder.layer(layer, inputs, reverse)
        found.append(states)
        inputs = torch.cat(states, dim=-1)
    return found


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_replay_reproduces_the_modules_hidden_states(cell, bidirectional, seed):
    model = tiny(cell, layers=2, bidirectional=bidirectional, seed=seed)
    ids, lengths = random_batch(seed)
    with torch.no_grad():
        words = model.embed(ids)
        expected = reference_layers(model, words, lengths)
        last = model.encoder(words, lengths)
    replayed = replay(model.encoder, cell, words, lengths)
    assert [r.name for r in replayed][:2] == (
        ["layer1_forward", "layer1_backward"] if bidirectional else ["layer1_forward", "layer2_forward"]
    )
    real = torch.arange(ids.size(1)).unsqueeze(1) < lengths  # (T, B)
    directions = 2 if bidirectional else 1
    assert len(replayed) == 2 * directions
    for k, part in enumerate(replayed):
        reference = expected[k // directions][k % directions]
        difference = (part.states - reference).abs()[real]
        assert difference.max() < 1e-5, (part.name, difference.max())
    for got, want in zip(replayed[-directions:], last):  # the last layer is what the head pools
        assert (got.states - want).abs()[real].max() < 1e-5


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gates_are_shares_between_0_and_1(cell):
    model = tiny(cell)
    ids, lengths = random_batch(7)
    with torch.no_grad():
        replayed = replay(model.encoder, cell, model.embed(ids), lengths)
    for part in replayed:
        for value in part.gates.values():
            assert value.min() >= 0.0 and value.max() <= 1.0
        assert (part.cell is not None) == (cell == "lstm")


def forced_kept(cell: str, bias: float):
    """Mean of the "kept" gate (LSTM forget f, GRU update z) at every step, with its bias forced."""
    model = tiny(cell, layers=1)
    for rnn in [*model.encoder.forward_rnns, *model.encoder.backward_rnns]:
        hidden = rnn.hidden_size
        with torch.no_grad():
            rnn.bias_ih_l0[hidden : 2 * hidden] = bias  # forget (i, f, g, o) / update (r, z, n): the second slice
            rnn.bias_hh_l0[hidden : 2 * hidden] = 0.0
    ids, lengths = random_batch(5, batch=1)
    with torch.no_grad():
        replayed = replay(model.encoder, cell, model.embed(ids), lengths)
    summary = summarise(replayed, 0, int(lengths[0]))
    gate = "forget" if cell == "lstm" else "update"
    return [step[part][gate]["mean"] for step in summary for part in step], replayed


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_forced_bias_keeps_everything_or_nothing(cell):
    kept, _ = forced_kept(cell, 10.0)
    assert min(kept) > 0.99
    forgotten, _ = forced_kept(cell, -10.0)
    assert max(forgotten) < 0.01


def test_gru_update_gate_near_one_keeps_the_previous_state():
    _, replayed = forced_kept("gru", 10.0)
    states = replayed[0].states[:, 0]  # (T, H), from a zero state
    assert states.abs().max() < 1e-3  # h = (1 - z) n + z h_prev stays where it started
    _, replayed = forced_kept("gru", -10.0)
    assert replayed[0].states[:, 0].abs().max() > 0.05  # z near 0: h is the new candidate n


def test_summary_per_token_has_means_and_saturation():
    model = tiny("lstm", layers=1)
    ids, lengths = random_batch(3, batch=1)
    with torch.no_grad():
        replayed = replay(model.encoder, "lstm", model.embed(ids), lengths)
    summary = summarise(replayed, 0, int(lengths[0]))
    assert len(summary) == int(lengths[0])
    entry = summary[0]["layer1_backward"]
    assert set(entry) == {"input", "forget", "output", "cell_norm"}
    assert set(entry["forget"]) == {"mean", "below_0.1", "above_0.9"}
    expected = replayed[1].gates["forget"][0, 0]
    assert entry["forget"]["mean"] == pytest.approx(float(expected.mean()), abs=1e-4)
    assert entry["forget"]["above_0.9"] == pytest.approx(float((expected > 0.9).float().mean()), abs=1e-4)
    assert entry["cell_norm"] == pytest.approx(float(replayed[1].cell[0, 0].norm()), abs=1e-4)  # 4 decimals


def test_plain_rnn_has_no_gates():
    model = tiny("rnn", layers=1)
    ids, lengths = random_batch(3, batch=1)
    with pytest.raises(ValueError, match="no gates"):
        replay(model.encoder, "rnn", model.embed(ids), lengths)
