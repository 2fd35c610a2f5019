"""`reviewcli compare` end to end on tiny synthetic reviews: reproducible, fair between cells, resumable, pruning."""

import copy
import json
import random

import pytest
from conftest import invoke, read_jsonl, write_jsonl

from reviewcli.compare import search

GOOD = ["great", "good", "excellent", "tasty", "love", "fresh", "perfect"]
BAD = ["bad", "awful", "stale", "terrible", "hate", "soggy", "broken"]
FILLER = ["the", "this", "product", "box", "it", "was", "and", "very", "a", "i"]
TINY_SPACE = search.Space(
    lr=(1e-2, 3e-2), hidden=(8,), layers=(1,), dropout=(0.0, 0.2), adversarial=(0.0,), embedding_dim=8
)
OPTIONS = ["--epochs", "3", "--seeds", "13,14", "--batch-size", "8", "--min-freq", "1", "--device", "cpu", "-q"]
TIMINGS = {"seconds", "train_seconds", "tokens_per_second", "predict_reviews_per_second"}


def review(rng: random.Random, positive: bool) -> dict:
    """Two words that decide the label among one to six that do not."""
    words = rng.sample(GOOD if positive else BAD, 2) + rng.sample(FILLER, rng.randint(1, 6))
    rng.shuffle(words)
    return {"text": " ".join(words), "label": "positive" if positive else "negative"}


@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    """A folder of 64 train and 24 test reviews, half of each class."""
    rng = random.Random(0)
    folder = tmp_path_factory.mktemp("compare-data")
    write_jsonl(folder / "train.jsonl", [review(rng, i % 2 == 0) for i in range(64)])
    write_jsonl(folder / "test.jsonl", [review(rng, i % 2 == 0) for i in range(24)])
    return folder


@pytest.fixture(autouse=True)
def tiny_space(monkeypatch):
    monkeypatch.setattr(search, "SPACE", TINY_SPACE)


def compare_json(*args) -> dict:
    result = invoke(["compare", *map(str, args), *OPTIONS, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def without_timings(value):
    """The report with every timing left out, and what follows from timings: the verdict's sentence
    (it quotes a speed ratio) and its choice, which among cells no test tells apart is the fastest."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMINGS | {"text", "choose"}}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


@pytest.fixture(scope="module")
def report(reviews, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SPACE", TINY_SPACE)
        out = tmp_path_factory.mktemp("compare-out") / "out"
        found = compare_json(reviews, "--trials", "2", "--out", out, "--plot", out / "plots")
    return found, out


def test_same_seed_same_report_apart_from_timings(reviews, report):
    first = copy.deepcopy(report[0])
    del first["plots"]
    again = compare_json(reviews, "--trials", "2")
    for cell in first["cells"]:
        cell["model"] = None  # the first run also saved its models
    assert without_timings(again) == without_timings(first)
    assert set(first) >= {"cells", "pairs", "verdict", "search"}


def test_every_cell_gets_the_same_trials_and_epochs(report):
    found, _ = report
    trials = found["search"]["trials"]
    assert list(trials) == ["gru", "lstm", "rnn"]
    assert {len(rows) for rows in trials.values()} == {2}
    for rows in trials.values():
        assert all(len(t["history"]) == 3 for t in rows if t["state"] == "complete")
    assert [c["cell"] for c in found["cells"]] == ["gru", "lstm", "rnn"]
    assert len(found["pairs"]) == 3
    assert "forget_bias" in found["cells"][1]["best_params"]  # the LSTM's own dimension
    assert "forget_bias" not in found["cells"][0]["best_params"]


def test_report_per_cell(report):
    found, _ = report
    gru = found["cells"][0]
    assert [s["seed"] for s in gru["seeds"]] == [13, 14]
    assert gru["accuracy"]["min"] <= gru["accuracy"]["mean"] <= gru["accuracy"]["max"]
    assert sum(group["n"] for group in gru["accuracy_by_length"]) == 24
    assert gru["parameters"] > 0 and gru["size_bytes"] > 4 * gru["parameters"]
    assert gru["peak_memory_bytes"] > 4 * 4 * gru["parameters"]
    assert found["data"]["test_source"] == "the test split of DATA"
    assert found["verdict"]["choose"] in ("gru", "lstm", "rnn")


def assert_same_labels(evaluated: dict, compared: dict, reviews: int) -> None:
    """evaluate (the predictor, batches of 64) and compare (the module, batches of 128) score the same
    model by other code paths: their probabilities may differ in the last float32 bits, but the labels
    must be the same, so the count of correct reviews is equal and macro F1, a function of the labels,
    is equal up to the float rounding of its own arithmetic."""
    assert round(evaluated["accuracy"] * reviews) == round(compared["accuracy"] * reviews)
    assert evaluated["macro_f1"] == pytest.approx(compared["macro_f1"], rel=1e-12)


def test_out_keeps_models_that_evaluate_reproduces(reviews, report):
    found, out = report
    rows = (out / "trials.csv").read_text().splitlines()
    assert len(rows) == 1 + 6
    assert rows[0].startswith("cell,trial,state,value,seconds,")
    assert json.loads((out / "compare.json").read_text())["cells"][0]["cell"] == "gru"
    lstm = found["cells"][1]
    result = invoke(
        ["evaluate", reviews, "--model", lstm["model"], "--format", "json", "--precision", "fp32", "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    assert_same_labels(json.loads(result.stdout), lstm["seeds"][0], reviews=24)


def test_study_resumes_and_extends(reviews, tmp_path):
    study = tmp_path / "study.db"
    compare_json(reviews, "--cells", "gru", "--trials", "2", "--study", study, "--seeds", "13")
    found = compare_json(reviews, "--cells", "gru", "--trials", "4", "--study", study, "--seeds", "13")
    assert [t["number"] for t in found["search"]["trials"]["gru"]] == [0, 1, 2, 3]
    assert len({json.dumps(t["params"], sort_keys=True) for t in found["search"]["trials"]["gru"]}) == 4


@pytest.mark.filterwarnings("ignore:Fixed parameter lr")  # 1e-7 lies outside the tiny space on purpose
def test_bad_learning_rate_is_pruned(reviews, tmp_path):
    import optuna

    study = tmp_path / "study.db"
    compare_json(reviews, "--cells", "gru", "--trials", "3", "--study", study, "--seeds", "13")
    stored = optuna.load_study(study_name="gru", storage=f"sqlite:///{study}")
    stored.enqueue_trial({"lr": 1e-7, "hidden": 8, "layers": 1, "dropout": 0.0, "adversarial": 0.0})
    found = compare_json(reviews, "--cells", "gru", "--trials", "4", "--study", study, "--seeds", "13")
    trials = found["search"]["trials"]["gru"]
    assert [t["state"] for t in trials] == ["complete", "complete", "complete", "pruned"]
    assert trials[3]["params"]["lr"] == 1e-7
    assert len(trials[3]["history"]) == 2  # stopped after epoch 2 of 3


def test_study_of_other_data_is_refused(reviews, tmp_path):
    study = tmp_path / "study.db"
    compare_json(reviews, "--cells", "gru", "--trials", "1", "--study", study, "--seeds", "13")
    other = write_jsonl(tmp_path / "other.jsonl", read_jsonl(reviews / "train.jsonl")[:40])
    result = invoke(["compare", other, "--cells", "gru", "--trials", "2", "--study", study, *OPTIONS])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {study}: its gru study was made on other data or settings")


def test_budget_too_small_for_one_round_is_an_error_up_front(reviews):
    result = invoke(["compare", reviews, "--budget", "0.01s", *OPTIONS])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --budget 0s cannot hold one trial of each of gru, lstm, rnn (3 epochs over")
    assert "Give --budget 1m or more" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--cells", "gru,transformer"],
            "Error: --cells gru,transformer: unknown cell 'transformer'. Give some of gru, lstm, rnn",
        ),
        (["--budget", "20 minutes"], "Error: --budget 20 minutes: give a duration such as 90s, 20m or 1h30m."),
    ],
)
def test_usage_errors(reviews, args, message):
    result = invoke(["compare", reviews, *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_help_documents_the_search_space():
    result = invoke(["compare", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for dimension in ("learning rate 3e-4 to 1e-2", "hidden units 64, 128 or 256", "layers 1 or 2", "dropout 0 to 0.5",
                      "adversarial size 0, 0.02, 0.05 or 0.1", "forget-gate bias"):  # fmt: skip
        assert dimension in text
    space = search.Space()
    assert (space.lr, space.hidden, space.layers, space.dropout) == ((3e-4, 1e-2), (64, 128, 256), (1, 2), (0.0, 0.5))
    assert (space.adversarial, space.forget_bias) == ((0.0, 0.02, 0.05, 0.1), (0.0, 1.0))


def test_help_and_usage_errors_do_not_import_torch(tmp_path):
    from test_imports import probe

    found = probe(
        tmp_path, ["compare", "--help"], ["compare", "x", "--cells", "cnn"], ["compare", "x", "--budget", "soon"]
    )
    assert found == {"codes": [0, 2, 2], "torch": False, "datasets": False}


def test_plots_are_pngs(report):
    found, out = report
    names = sorted(path.name for path in (out / "plots").iterdir())
    assert names == ["accuracy_by_length.png", "accuracy_vs_time.png", "validation_curves.png"]
    assert all((out / "plots" / name).read_bytes().startswith(b"\x89PNG") for name in names)
    assert found["plots"] == [
        str(out / "plots" / name)
        for name in ("accuracy_by_length.png", "validation_curves.png", "accuracy_vs_time.png")
    ]


def test_table_shows_cells_pairs_and_verdict(report):
    import io

    from reviewcli.cli.render.compare import print_table

    found, _ = report
    stream = io.StringIO()
    print_table(found, stream)
    text = stream.getvalue()
    assert "test: 24 reviews, 2 seeds" in text
    assert "gru − lstm" in text and "lstm − rnn" in text
    assert f"verdict: {found['verdict']['text']}" in " ".join(text.split())
    assert "test reviews: the test split of DATA" in text


def test_data_without_test_split_sets_a_stratified_part_aside(reviews, tmp_path):
    out = tmp_path / "out"
    found = compare_json(reviews / "train.jsonl", "--cells", "gru", "--trials", "1", "--seeds", "13", "--out", out)
    assert found["data"]["test"] == 12  # 20 % of each class of 64 (32 + 32) reviews
    assert found["data"]["test_source"].startswith("DATA has no test split: 12 reviews (20% of train, stratified)")
    assert found["data"]["train"] + found["data"]["validation"] == 52
    kept = read_jsonl(out / "test.jsonl")
    assert sorted(row["label"] for row in kept) == ["negative"] * 6 + ["positive"] * 6
    result = invoke(["evaluate", out / "test.jsonl", "--model", out / "gru", "--format", "json", "--precision", "fp32"])
    assert result.exit_code == 0, result.output
    assert_same_labels(json.loads(result.stdout), found["cells"][0]["seeds"][0], reviews=12)
    assert found["verdict"] == {"text": "only gru was compared", "winner": None, "choose": "gru"}


def test_hyperband_pruner(reviews):
    found = compare_json(reviews, "--cells", "gru", "--trials", "2", "--seeds", "13", "--pruner", "hyperband")
    assert found["search"]["pruner"] == "hyperband"
    states = [t["state"] for t in found["search"]["trials"]["gru"]]
    assert states[0] == "complete" and states[1] in ("complete", "pruned") and len(states) == 2


def test_forget_bias_sets_the_lstm_forget_gates_only():
    import torch

    from reviewcli.core.config import ModelConfig
    from reviewcli.model.network import SentimentModel, set_forget_bias

    model = SentimentModel(ModelConfig(vocab_size=10, cell="lstm", embedding_dim=4, hidden=3, layers=2))
    before = {name: value.clone() for name, value in model.state_dict().items()}
    set_forget_bias(model, 1.0)
    for rnn in [*model.encoder.forward_rnns, *model.encoder.backward_rnns]:
        total = rnn.bias_ih_l0 + rnn.bias_hh_l0  # gates in PyTorch's order: input, forget, cell, output
        assert torch.equal(total[3:6], torch.ones(3))
    changed = {name for name, value in model.state_dict().items() if not torch.equal(value, before[name])}
    assert changed and all("bias" in name for name in changed)
    assert torch.equal(model.encoder.forward_rnns[0].bias_ih_l0[:3], before["encoder.forward_rnns.0.bias_ih_l0"][:3])
