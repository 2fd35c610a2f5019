"""reviewcli explain: spans, attributions (completeness, a planted cue, randomised weights), views, CLI."""

import copy
import json
import random
import re

import pytest
import torch
from conftest import NETWORK, invoke, near
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewcli.core.config import ModelConfig, TrainConfig
from reviewcli.core.spans import overlap_groups, reproduces, token_spans
from reviewcli.core.text import tokenize
from reviewcli.core.vocab import Vocabulary
from reviewcli.explain.attribution import integrated_gradients, occlusion
from reviewcli.explain.explanation import explain
from reviewcli.model.network import SentimentModel

JSON_KEYS = {"text", "label", "probability", "method", "completeness_error", "tokens"}
TOKEN_KEYS = {"text", "start", "end", "attribution", "occlusion"}

# --- spans -------------------------------------------------------------------------------------------


def spans(text: str) -> list[tuple[str, str]]:
    return [(t.text, text[t.start : t.end]) for t in token_spans(text)]


def test_spans_point_into_the_text_as_written():
    text = "Didn\u2019t LOVE it… ＧＲＥＡＴ ﬁne 👍🏽"
    assert spans(text) == [
        ("did", "Did"), ("n't", "n\u2019t"), ("love", "LOVE"), ("it", "it"),
        (".", "…"), (".", "…"), (".", "…"), ("great", "ＧＲＥＡＴ"), ("fine", "ﬁne"), ("👍", "👍"),
    ]  # fmt: skip


def test_negation_written_apart_spans_its_space():
    assert spans("They aren 't fresh") == [("they", "They"), ("are", "are"), ("n't", "n 't"), ("fresh", "fresh")]


def test_final_sigma_falls_back_to_words():
    # lower() gives a final sigma only in context, so characters cannot be normalised one by one
    assert spans("ΟΔΟΣ ok") == [("οδος", "ΟΔΟΣ"), ("ok", "ok")]


TRICKY = "aB xn't’`…½ﬁ\u0301\u200d\U0001f3fd👍Σİ\u1100\u1161\u11a8\t.,!'s"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=TRICKY, max_size=30) | st.text(max_size=20))
@pytest.mark.slow
def test_spans_reproduce_their_tokens(text):
    tokens = token_spans(text)
    assert [t.text for t in tokens] == tokenize(text)
    for group in overlap_groups(tokens):
        assert reproduces(text, [tokens[i] for i in group]), (text, [tokens[i] for i in group])
    assert all(0 <= t.start < t.end <= len(text) for t in tokens)


# --- attributions ------------------------------------------------------------------------------------


def tiny_model(cell: str, seed: int = 0, vocab: int = 30, hidden: int = 6) -> SentimentModel:
    torch.manual_seed(seed)
    config = ModelConfig(vocab_size=vocab, cell=cell, embedding_dim=8, hidden=hidden, dropout=0.0)
    return SentimentModel(config).eval()


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_integrated_gradients_add_up_to_the_logit_change(cell):
    model = tiny_model(cell)
    with torch.no_grad():
        model.head.weight.mul_(200)  # large logits, so completeness is not met by being near zero
    for ids in ([5, 7, 2, 9, 11, 3], [4], list(range(2, 25))):
        found = integrated_gradients(model, ids)
        with torch.no_grad():
            logit = model(torch.tensor([ids]), torch.tensor([len(ids)])).item()
            baseline = model.classify(torch.zeros(len(ids), 1, 8), torch.tensor([len(ids)])).item()
        change = logit - baseline
        assert abs(change) > 1.0
        # found.logit is a row of a batch of path points, logit a 1-row forward: other kernels
        assert found.logit == near(logit, NETWORK)
        # a difference of two logits carries the float error of both, not of its own (small) size
        error_scale = NETWORK * (abs(logit) + abs(baseline))
        assert found.completeness_error == pytest.approx(abs(sum(found.scores) - change), abs=error_scale)
        assert found.completeness_error <= 0.01 * max(1.0, abs(change))
        assert len(found.scores) == len(ids)


def test_occlusion_is_the_logit_drop_without_the_word():
    model = tiny_model("gru")
    ids = [5, 1, 9]  # 1 is <unk>: hiding it changes nothing
    scores = occlusion(model, ids, 1)
    with torch.no_grad():
        full = model(torch.tensor([ids]), torch.tensor([3])).item()
        hidden = model(torch.tensor([[1, 1, 9]]), torch.tensor([3])).item()
    # occlusion hides each word in a batch of 3 rows; the test forwards each review alone
    assert scores[0] == pytest.approx(full - hidden, abs=NETWORK * (abs(full) + abs(hidden)))
    assert scores[1] == 0.0


FILLER = [f"w{i}" for i in range(20)]
CUES = {"great": 1, "awful": 0}


def planted(rng: random.Random, count: int) -> tuple[list[str], list[int], list[int]]:
    """Reviews of filler words and one cue word, at a random position, that decides the label."""
    texts, labels, positions = [], [], []
    for _ in range(count):
        words = rng.choices(FILLER, k=rng.randint(4, 9))
        cue = rng.choice(list(CUES))
        at = rng.randrange(len(words) + 1)
        words.insert(at, cue)
        texts.append(" ".join(words))
        labels.append(CUES[cue])
        positions.append(at)
    return texts, labels, positions


@pytest.fixture(scope="module")
def cue_models():
    """A tiny GRU trained to read the cue, and the same architecture with fresh random weights."""
    from reviewcli.inference.batching import encode
    from reviewcli.training.loop import Trainer
    from reviewcli.training.objectives import Classification

    vocab = Vocabulary(["<pad>", "<unk>", *FILLER, *CUES])
    texts, labels, _ = planted(random.Random(1), 300)
    data = ([encode(t, vocab, 50) for t in texts], labels)
    config = TrainConfig(epochs=3, batch_size=32, lr=0.02, adversarial=0.0, device="cpu")
    trained = tiny_model("gru", seed=3, vocab=len(vocab), hidden=12).train()
    objective = Classification(config, torch.device("cpu"))
    trainer = Trainer(trained, objective, config, torch.device("cpu"), objective.steps(data))
    for _ in trainer.fit(data, data):
        pass
    return vocab, trained.eval(), tiny_model("gru", seed=4, vocab=len(vocab), hidden=12)


@pytest.fixture(scope="module")
def held_out(cue_models):
    """40 new planted reviews, and the trained model's explanation of each."""
    vocab, model, _ = cue_models
    texts, labels, positions = planted(random.Random(2), 40)
    return texts, labels, positions, [explain(model, vocab, text, max_length=50) for text in texts]


def test_a_planted_cue_is_the_top_word_by_both_methods(held_out):
    texts, labels, positions, explained = held_out
    correct = sum(e.label == ("positive" if label else "negative") for e, label in zip(explained, labels))
    assert correct >= 0.95 * len(texts)  # it learnt the task
    for method in ("attribution", "occlusion"):
        hits = 0
        for e, at in zip(explained, positions):
            scores = getattr(e, method)
            hits += max(range(len(scores)), key=lambda i: abs(scores[i])) == at
        assert hits >= 0.9 * len(texts), (method, hits)


def ranks(values: list[float]) -> torch.Tensor:
    return torch.tensor(values).argsort().argsort().float()


def spearman(a: list[float], b: list[float]) -> float:
    x, y = ranks(a), ranks(b)
    x, y = x - x.mean(), y - y.mean()
    return float((x * y).sum() / (x.norm() * y.norm()))


def test_randomised_weights_give_other_attributions(cue_models, held_out):
    """Adebayo et al. 2018: attributions that survive re-initialising the model explain nothing."""
    vocab, _, fresh = cue_models
    texts, _, _, explained = held_out
    vocab, trained, fresh = cue_models
    texts, _, _, explained = held_out
    ours = [score for e in explained for score in e.attribution]
    theirs = [score for text in texts for score in explain(fresh, vocab, text, max_length=50).attribution]
    assert spearman(ours, theirs) < 0.5
    # the control: the fresh model given the trained weights back ranks the words as the trained one
    # does, so what moved the ranking above is the weights and nothing else in explain
    restored = copy.deepcopy(fresh)
    restored.load_state_dict(trained.state_dict())
    again = [score for text in texts[:10] for score in explain(restored, vocab, text, max_length=50).attribution]
    assert spearman(ours[: len(again)], again) > 0.99


def test_the_unread_middle_of_a_long_review_is_marked():
    model = tiny_model("lstm")
    vocab = Vocabulary(["<pad>", "<unk>", *[f"w{i}" for i in range(28)]])
    text = " ".join(f"w{i}" for i in range(12))
    explained = explain(model, vocab, text, max_length=6, gates=True)
    read = [i for i in range(12) if explained.seen(i)]
    assert read == [0, 7, 8, 9, 10, 11]  # batching.truncate: the first 6 // 4, then the last 5
    assert explained.gates[3] is None and explained.gates[7] is not None
    record = explained.to_dict()
    assert record["tokens"][3]["attribution"] is None and record["tokens"][3]["occlusion"] is None


# --- views and the command -----------------------------------------------------------------------------


@pytest.fixture()
def shown(cue_models):
    vocab, model, _ = cue_models
    return explain(model, vocab, "w1 w2 great w3... see http://example.com w4", max_length=50, gates=True)


def test_html_page_is_self_contained(shown):
    from reviewcli.cli.render.explain_page import page

    html = page([shown], 3)
    assert "http" not in html.lower()
    assert "<script" not in html and "src=" not in html and "url(" not in html
    assert 'style="background:#' in html and "update" in html and "&#104;ttp" in html


def test_plain_view_has_signed_scores(shown):
    from reviewcli.cli.render.explain_view import plain

    lines = plain(shown, 2).splitlines()
    header = lines[2].split("\t")
    assert header[:5] == ["token", "start", "end", "attribution", "occlusion"]
    assert "layer1_forward.update" in header
    great = next(line.split("\t") for line in lines if line.startswith("great\t"))
    assert re.fullmatch(r"[+-]\d+\.\d{4}", great[3]) and float(great[3]) > 0


def cli_json(args: list) -> list[dict]:
    result = invoke(["explain", *args, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_cli_json_keys(tiny_model):
    records = cli_json(["great taste", "Didn’t like it", "--model", tiny_model])
    assert len(records) == 2
    for record in records:
        assert set(record) == JSON_KEYS
        assert all(set(token) == TOKEN_KEYS for token in record["tokens"])
    assert [t["text"] for t in records[1]["tokens"]] == ["did", "n't", "like", "it"]
    assert records[1]["tokens"][1]["start"] == 3 and records[1]["tokens"][1]["end"] == 6
    gated = cli_json(["great taste", "--model", tiny_model, "--gates"])[0]["tokens"][0]
    assert set(gated) == TOKEN_KEYS | {"gates"}
    assert set(gated["gates"]) == {"layer1_forward", "layer1_backward"}
    assert set(gated["gates"]["layer1_forward"]) == {"update", "reset"}


def test_cli_probability_is_predicts(tiny_model):
    record = cli_json(["soggy and stale, never again", "--model", tiny_model])[0]
    predicted = invoke(["predict", "soggy and stale, never again", "--model", tiny_model, "--format", "jsonl"])
    assert record["probability"] == pytest.approx(
        json.loads(predicted.stdout)["probability"], abs=1e-4
    )  # predict rounds to 4 decimals (5e-5 either way), explain to 6; float32 noise is ~1e-7 of that
    assert record["method"] == "ig" and record["completeness_error"] is not None


def test_cli_occlusion_method(tiny_model):
    record = cli_json(["great taste", "--model", tiny_model, "--method", "occlusion"])[0]
    assert record["method"] == "occlusion" and record["completeness_error"] is None
    assert all(t["attribution"] == t["occlusion"] for t in record["tokens"])


def test_terminal_colours_only_when_forced_and_not_no_color(tiny_model, monkeypatch):
    args = ["explain", "great taste", "--model", tiny_model, "--gates"]
    piped = invoke(args)
    assert "\x1b[" not in piped.stdout and piped.stdout.startswith("# ")
    monkeypatch.setenv("REVIEWCLI_FORCE_TERMINAL", "1")
    coloured = invoke(args)
    assert coloured.exit_code == 0 and "\x1b[" in coloured.stdout
    assert "update z (kept)" in coloured.stdout and "top 5 words" in coloured.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in invoke(args).stdout


def test_cli_html_and_plot_files(tiny_model, tmp_path):
    page, plots = tmp_path / "why.html", tmp_path / "plots"
    result = invoke(
        ["explain", "great taste", "--model", tiny_model, "--format", "html", "--out", page, "--plot", plots]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "http" not in page.read_text(encoding="utf-8") and "token &times; gate" in page.read_text(encoding="utf-8")
    assert (plots / "explain.png").read_bytes().startswith(b"\x89PNG")


def test_cli_plot_without_matplotlib(tiny_model, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    result = invoke(["explain", "great taste", "--model", tiny_model, "--plot", tmp_path / "plots"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --plot needs matplotlib: pip install") and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [([], "no reviews given"), (["a", "b", "--plot", "x.png"], "--plot draws one review"),
     (["a", "--input", "f.txt"], "not both"), (["a", "--method", "lime"], "lime")],
)  # fmt: skip
def test_cli_usage_errors(args, fragment):
    result = invoke(["explain", *args])
    assert result.exit_code == 2
    assert fragment in result.stderr and "Traceback" not in result.output


def test_cli_reads_a_file(tiny_model, tmp_path):
    reviews = tmp_path / "r.txt"
    reviews.write_text("great taste\n\nawful\n", encoding="utf-8")
    records = cli_json(["--input", reviews, "--model", tiny_model])
    assert [r["text"] for r in records] == ["great taste", "", "awful"]
    assert records[1]["tokens"] == []


def test_explain_help_and_usage_errors_do_not_import_torch(tmp_path):
    from test_imports import probe

    found = probe(tmp_path, ["explain", "--help"], ["explain"], ["explain", "a", "b", "--plot", "x.png"])
    assert found == {"codes": [0, 2, 2], "torch": False, "datasets": False}


def test_explain_help_lists_options_and_examples():
    result = invoke(["explain", "--help"])
    assert result.exit_code == 0
    for option in ("--method", "--gates", "--format", "--out", "--top-k", "--plot", "--input", "--model"):
        assert option in result.stdout
    assert "$ reviewcli explain" in result.stdout and "logit" in result.stdout
