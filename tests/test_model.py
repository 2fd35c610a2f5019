"""reviewcli.model.network and reviewcli.inference.predictor: padding invariance, probabilities, order."""

import pytest
import torch
from conftest import NETWORK, near

from reviewcli.core.config import ModelConfig
from reviewcli.inference.predictor import score
from reviewcli.model.network import SentimentModel, count_parameters

CPU = torch.device("cpu")


def make_model(cell="gru", bidirectional=True, layers=1, vocab_size=60):
    torch.manual_seed(3)
    config = ModelConfig(vocab_size=vocab_size, cell=cell, embedding_dim=8, hidden=8, layers=layers,
                         bidirectional=bidirectional, dropout=0.3)  # fmt: skip
    return SentimentModel(config).eval()


@pytest.mark.parametrize("bidirectional", [True, False], ids=["bi", "uni"])
@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_padding_invariance(cell, bidirectional):
    model = make_model(cell, bidirectional)
    short = [5, 9, 12]
    generator = torch.Generator().manual_seed(1)
    longs = [torch.randint(2, 60, (n,), generator=generator).tolist() for n in (50, 80, 120)]
    alone = score(model, [short], batch_size=8, device=CPU)[0]
    in_batch = score(model, [longs[0], short, *longs[1:]], batch_size=8, device=CPU)[1]
    assert alone == pytest.approx(in_batch, rel=NETWORK)  # probabilities: float error is relative to p


def test_padding_invariance_two_layers_with_explicit_extra_padding():
    model = make_model("lstm", True, layers=2)
    with torch.inference_mode():
        tight = model(torch.tensor([[4, 5, 6]]), torch.tensor([3]))
        padded = model(torch.tensor([[4, 5, 6, 0, 0, 0, 0, 0, 0, 0]]), torch.tensor([3]))
    assert tight.item() == near(padded.item(), NETWORK)


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_probabilities_in_unit_interval_and_in_input_order(cell):
    model = make_model(cell)
    encoded = [[2 + (i * 7) % 50] * (1 + i % 13) for i in range(40)]
    together = score(model, encoded, batch_size=7, device=CPU)
    assert len(together) == 40
    assert all(0.0 <= p <= 1.0 for p in together)
    one_by_one = [score(model, [e], batch_size=1, device=CPU)[0] for e in encoded]
    assert together == pytest.approx(one_by_one, rel=NETWORK)  # batches of 7 against batches of 1


def test_logits_shape():
    model = make_model()
    with torch.inference_mode():
        logits = model(torch.tensor([[2, 3, 4], [5, 0, 0]]), torch.tensor([3, 1]))
    assert logits.shape == (2,)


def recurrent_parameters(gates: int, inputs: int, hidden: int) -> int:
    """One direction of one layer: W_ih (gates*H x I), W_hh (gates*H x H), b_ih and b_hh (gates*H each)."""
    return gates * hidden * (inputs + hidden) + 2 * gates * hidden


@pytest.mark.parametrize(
    ("cell", "bidirectional", "layers", "expected"),
    [
        ("gru", False, 1, 929),  # 60*8 embedding + 3*8*(8+8) + 2*3*8 GRU + (2*8 + 1) head
        ("gru", True, 1, 1377),  # 480 + 2 * 432 + (2*2*8 + 1)
        ("lstm", False, 1, 1073),  # 480 + 4*8*16 + 2*4*8 + 17
        ("rnn", False, 1, 641),  # 480 + 8*16 + 2*8 + 17
        ("lstm", True, 2, 3329),  # 480 + 2*576 + 2 * (4*8*(16+8) + 2*4*8) + 33: layer 2 reads both directions
    ],
)
def test_parameter_count_follows_config(cell, bidirectional, layers, expected):
    gates = {"gru": 3, "lstm": 4, "rnn": 1}[cell]
    directions = 2 if bidirectional else 1
    inputs = [8] + [8 * directions] * (layers - 1)
    by_formula = 60 * 8 + directions * sum(recurrent_parameters(gates, i, 8) for i in inputs) + 2 * directions * 8 + 1
    assert by_formula == expected
    assert count_parameters(make_model(cell, bidirectional, layers)) == expected


def test_model_config_rejects_bad_values():
    with pytest.raises(ValueError, match="cell must be one of gru, lstm, rnn"):
        ModelConfig(vocab_size=10, cell="transformer")
    with pytest.raises(ValueError, match="hidden must be at least 1"):
        ModelConfig(vocab_size=10, hidden=0)
    with pytest.raises(ValueError, match="dropout"):
        ModelConfig(vocab_size=10, dropout=1.0)


def test_predictor_scores_raw_text_in_order(predictor):
    texts = ["great taste", "", "soggy and stale, never again", "qqqzzz"]
    probabilities = predictor.predict(texts)
    assert len(probabilities) == 4
    assert probabilities == pytest.approx([predictor.predict([t])[0] for t in texts], rel=NETWORK)
    # an empty review and an all-unknown review are both the single <unk> token (rows 1 and 3 of one batch)
    assert probabilities[1] == pytest.approx(probabilities[3], rel=NETWORK)


def test_reverse_matches_a_gather_forward_and_backward():
    from reviewcli.model.network import Reverse, reversal_index

    lengths = torch.tensor([5, 2, 4])
    sequence = torch.randn(5, 3, 4, requires_grad=True)  # (T, B, D)
    reversed_ = Reverse.apply(sequence, reversal_index(lengths, 5))
    expected = sequence.detach().clone()
    for b, n in enumerate(lengths.tolist()):
        expected[:n, b] = sequence.detach()[:n, b].flip(0)
    assert torch.equal(reversed_, expected)  # padding (rows past a length) stays where it was
    weights = torch.randn(5, 3, 4)
    (reversed_ * weights).sum().backward()
    assert torch.equal(sequence.grad, Reverse.apply(weights, reversal_index(lengths, 5)))


def test_locked_dropout_drops_the_same_features_at_every_step():
    from reviewcli.model.network import LockedDropout

    dropout = LockedDropout(0.5).train()
    out = dropout(torch.ones(7, 3, 16))  # (T, B, D)
    assert torch.equal(out, out[:1].expand_as(out))
    assert set(out.unique().tolist()) == {0.0, 2.0}
    assert torch.equal(dropout.eval()(torch.ones(7, 3, 16)), torch.ones(7, 3, 16))


def test_dropout_keeps_about_one_minus_p_and_rescales():
    from reviewcli.model.network import Dropout

    torch.manual_seed(0)
    out = Dropout(0.3).train()(torch.ones(200, 500))
    assert out.unique().tolist() == pytest.approx([0.0, 1 / 0.7])
    assert (out == 0).float().mean().item() == pytest.approx(0.3, abs=0.01)
    assert torch.equal(Dropout(0.3).eval()(torch.ones(4, 5)), torch.ones(4, 5))


def test_max_over_time_has_amax_values_and_gradient_ties_included():
    from reviewcli.model.network import MaxOverTime

    states = torch.randn(6, 3, 4)
    states[2, 1, 0] = states[4, 1, 0] = states[:, 1, 0].max() + 1.0  # a tie: amax splits its gradient
    states[:, 2, 3] = float("-inf")
    states[0, 2, 3] = 0.5  # one real step, the rest padding
    weights = torch.randn(3, 4)
    ours, theirs = states.clone().requires_grad_(), states.clone().requires_grad_()
    assert torch.equal(MaxOverTime.apply(ours), theirs.amax(dim=0))
    (MaxOverTime.apply(ours) * weights).sum().backward()
    (theirs.amax(dim=0) * weights).sum().backward()
    assert torch.allclose(ours.grad, theirs.grad)
    assert ours.grad[2, 1, 0] == ours.grad[4, 1, 0] == pytest.approx(weights[1, 0].item() / 2)
