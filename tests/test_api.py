"""The Python API (reviewcli.load, Model, train): what it returns, agreement with the CLI, no torch at import,
and README's example run as written."""

import contextlib
import inspect
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
from dataclasses import FrozenInstanceError, fields

import pytest
from conftest import DATA, ROOT, invoke

import reviewcli
from reviewcli.api import Explanation
from reviewcli.core import errors
from reviewcli.core.config import DEFAULT_NGRAM_BUCKETS, ModelConfig, TrainConfig
from reviewcli.core.text import tokenize

TEXTS = ["great taste", "", "never again, awful", "the coffee was fine"]
TINY = {"cell": "gru", "embedding_dim": 8, "hidden": 8, "max_vocab": 300, "min_freq": 1, "device": "cpu"}


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def python(code: str, *, cwd=ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -c CODE` in a fresh process that imports this checkout's reviewcli."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def model(tiny_model):
    return reviewcli.load(tiny_model, device="cpu")


# --- import ------------------------------------------------------------------------------------


def test_import_reviewcli_imports_no_torch():
    done = python("import reviewcli; import sys; print('torch' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "False\n"


def test_import_reviewcli_imports_no_typer_or_rich():
    done = python("import reviewcli; import sys; print(sorted(m for m in ('typer', 'rich') if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_load_works_after_the_lazy_import():
    code = "import reviewcli, sys\nmodel = reviewcli.load()\nprint(type(model).__name__, 'torch' in sys.modules)"
    done = python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Model True\n"


def test_public_names_are_listed_and_resolve():
    public = {"load", "train", "Model", "Prediction", "Explanation", "__version__",
              "ReviewCliError", "UsageError", "DataError", "ModelError", "OutputError"}  # fmt: skip
    assert set(reviewcli.__all__) == public
    assert public <= set(dir(reviewcli))
    assert all(getattr(reviewcli, name) is not None for name in public)
    from reviewcli.core.version import __version__

    assert reviewcli.__version__ == __version__


def test_error_classes_are_reviewclis_own():
    assert reviewcli.ReviewCliError is errors.ReviewCliError
    for name in ("UsageError", "DataError", "ModelError", "OutputError"):
        assert getattr(reviewcli, name) is getattr(errors, name)
        assert issubclass(getattr(reviewcli, name), reviewcli.ReviewCliError)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'predict'"):
        reviewcli.predict  # noqa: B018


# --- load --------------------------------------------------------------------------------------


def test_load_gives_path_and_cell(model, tiny_model):
    assert model.path == tiny_model
    assert model.cell == "gru"


def test_load_without_a_path_takes_reviewcli_model(monkeypatch, tiny_model):
    monkeypatch.setenv("REVIEWCLI_MODEL", str(tiny_model))
    assert reviewcli.load(device="cpu").path == tiny_model


def test_load_of_a_missing_directory_is_a_usage_error(tmp_path):
    with pytest.raises(reviewcli.UsageError, match="no such model directory"):
        reviewcli.load(tmp_path / "nothing")


def test_load_of_a_folder_that_is_no_model_is_a_model_error(tmp_path):
    with pytest.raises(reviewcli.ModelError, match="not a complete reviewcli model"):
        reviewcli.load(tmp_path)


@pytest.mark.parametrize("option", [{"device": "gpu"}, {"precision": "fp16"}])
def test_load_refuses_unknown_device_or_precision(tiny_model, option):
    with pytest.raises(reviewcli.UsageError, match=next(iter(option.values()))):
        reviewcli.load(tiny_model, **option)


# --- predict -----------------------------------------------------------------------------------


def test_predict_gives_one_result_per_text_in_order(model):
    results = model.predict(TEXTS)
    assert [r.text for r in results] == TEXTS
    assert all(isinstance(r, reviewcli.Prediction) for r in results)


def test_predict_gives_none_for_the_empty_text(model):
    empty = model.predict(TEXTS)[1]
    assert (empty.label, empty.probability, empty.score, empty.logit) == (None, None, None, None)


def test_predict_takes_a_single_string(model):
    [result] = model.predict("great taste")
    assert result.text == "great taste" and result.label in ("positive", "negative")


def test_predict_of_no_texts_is_an_empty_list(model):
    assert model.predict([]) == []


def test_probabilities_are_in_0_1_score_is_the_labels_and_logit_their_log_odds(model):
    for result in model.predict(TEXTS):
        if result.probability is None:
            continue
        assert 0.0 <= result.probability <= 1.0
        assert result.probability == pytest.approx(1 / (1 + math.exp(-result.logit)), rel=1e-9)
        same = result.probability if result.label == "positive" else 1.0 - result.probability
        assert result.score == same and 0.5 <= result.score <= 1.0
        assert result.label == ("positive" if result.probability >= 0.5 else "negative")


def test_threshold_decides_the_label(model):
    assert {r.label for r in model.predict(TEXTS, threshold=0.0)} == {"positive", None}
    probabilities = [r.probability for r in model.predict(TEXTS) if r.probability is not None]
    above_all = min(1.0, max(probabilities) * 1.01)
    assert {r.label for r in model.predict(TEXTS, threshold=above_all)} - {None} == {"negative"}


def test_predictions_are_frozen(model):
    with pytest.raises(FrozenInstanceError):
        model.predict("great taste")[0].label = "negative"


def test_predict_equals_the_cli(model, tiny_model):
    """reviewcli predict prints 4 decimals: the API's value is within half of the last."""
    printed = ok(invoke(["predict", "-m", tiny_model, "-f", "jsonl", *TEXTS])).stdout
    records = [json.loads(line) for line in printed.splitlines()]
    results = model.predict(TEXTS)
    assert [r["label"] for r in records] == [r.label for r in results]
    for record, result in zip(records, results):
        if record["probability"] is None:
            assert result.probability is None
        else:
            assert abs(result.probability - record["probability"]) <= 0.5e-4 * (1 + 1e-9)


def test_predict_equals_the_predictor_the_cli_uses(model, tiny_model):
    from reviewcli.inference.predictor import load_predictor

    expected = load_predictor(tiny_model, "cpu", "auto").predict_known(TEXTS)  # the same texts: the same batch
    found = [r.probability for r in model.predict(TEXTS)]
    assert [p is None for p in found] == [p is None for p in expected]
    assert [p for p in found if p is not None] == pytest.approx([p for p in expected if p is not None], rel=1e-6)


def test_predict_refuses_a_non_string(model):
    with pytest.raises(TypeError, match="strings"):
        model.predict(["fine", 3])


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan")])
def test_predict_refuses_a_threshold_outside_0_1(model, threshold):
    with pytest.raises(reviewcli.UsageError, match="threshold"):
        model.predict("fine", threshold=threshold)


# --- evaluate, info ----------------------------------------------------------------------------


def test_evaluate_equals_the_cli_json(model, tiny_model):
    printed = json.loads(ok(invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "-f", "json"])).stdout)
    assert model.evaluate(DATA / "test.jsonl") == printed


def test_evaluate_passes_the_threshold(model):
    assert model.evaluate(DATA / "test.jsonl", threshold=0.0)["per_class"]["positive"]["recall"] == 1.0


def test_evaluate_of_a_missing_file_is_a_reviewcli_error(model, tmp_path):
    with pytest.raises(reviewcli.ReviewCliError):
        model.evaluate(tmp_path / "missing.jsonl")


def test_evaluate_refuses_an_unknown_label_scheme(model):
    with pytest.raises(reviewcli.UsageError, match="label_scheme"):
        model.evaluate(DATA / "test.jsonl", label_scheme="emoji")


def test_info_equals_the_cli_json(model, tiny_model):
    assert model.info() == json.loads(ok(invoke(["info", "-m", tiny_model, "-f", "json"])).stdout)


# --- explain -----------------------------------------------------------------------------------


def test_explain_gives_words_in_reading_order(model):
    text = "Great taste, but the bag arrived torn"
    explanation = model.explain(text)
    assert [word for word, _ in explanation.words] == tokenize(text)
    assert all(isinstance(score, float) for _, score in explanation.words)


def test_explain_agrees_with_predict(model):
    explanation = model.explain("never again, awful")
    [result] = model.predict("never again, awful")
    assert explanation.label == result.label
    assert explanation.probability == pytest.approx(result.probability, rel=1e-4)


def test_top_is_the_k_largest_by_size(model):
    explanation = model.explain("great taste, never again, awful bag and the coffee was fine")
    top = explanation.top(3)
    sizes = sorted((abs(score) for _, score in explanation.words), reverse=True)
    assert [abs(score) for _, score in top] == sizes[:3]
    assert set(top) <= set(explanation.words)


def test_top_orders_by_absolute_score_and_skips_unread_words():
    words = [("a", 0.1), ("b", None), ("c", -0.5), ("d", 0.3)]
    explanation = Explanation("a b c d", "negative", 0.4, "ig", words)
    assert explanation.top(2) == [("c", -0.5), ("d", 0.3)]
    assert explanation.top(10) == [("c", -0.5), ("d", 0.3), ("a", 0.1)]


def test_explain_by_occlusion(model):
    assert model.explain("great taste", method="occlusion").method == "occlusion"


def test_explain_refuses_an_unknown_method(model):
    with pytest.raises(reviewcli.UsageError, match="method"):
        model.explain("great taste", method="shap")


# --- train -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory, small_train):
    """One tiny model trained through the API, with whatever it wrote to stdout and stderr."""
    out = tmp_path_factory.mktemp("api-train") / "mine"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        model = reviewcli.train(small_train, out=out, epochs=1, **TINY)
    return model, out, stdout.getvalue(), stderr.getvalue()


def test_train_returns_a_loaded_model_that_predicts(trained, small_rows):
    model, out, _, _ = trained
    assert isinstance(model, reviewcli.Model) and model.path == out and model.cell == "gru"
    [result] = model.predict(small_rows[0]["text"])  # words it was trained on: scored
    assert 0.0 <= result.probability <= 1.0


def test_train_writes_a_model_directory_at_out(trained):
    _, out, _, _ = trained
    config = json.loads((out / "config.json").read_text())
    assert (out / "model.safetensors").is_file() and (out / "vocab.json").is_file()
    assert config["model"]["hidden"] == 8 and config["training"]["epochs_done"] == 1


def test_train_is_silent_by_default(trained):
    _, _, stdout, stderr = trained
    assert (stdout, stderr) == ("", "")


def test_train_not_quiet_reports_on_stderr_only(tmp_path, small_train, capsys):
    reviewcli.train(small_train, out=tmp_path / "loud", epochs=1, quiet=False, **TINY)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert re.search(r"^epoch 1: train loss \d", captured.err, re.MULTILINE)
    assert f"saved to {tmp_path / 'loud'}" in captured.err


def test_train_refuses_an_unknown_option(tmp_path, small_train):
    with pytest.raises(TypeError, match="bogus"):
        reviewcli.train(small_train, out=tmp_path / "m", bogus=1)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("option", [{"cell": "cnn"}, {"epochs": 0}, {"dropout": 1.5}, {"patience": 0}, {"max_vocab": 2},
                                    {"label_scheme": "emoji"}, {"device": "tpu"}])  # fmt: skip
def test_train_refuses_bad_values_before_reading_data(tmp_path, option):
    with pytest.raises(reviewcli.UsageError):
        reviewcli.train(tmp_path / "no-data.jsonl", out=tmp_path / "m", **option)
    assert not (tmp_path / "m").exists()


def test_train_will_not_replace_a_model_without_force(trained, small_train):
    _, out, _, _ = trained
    with pytest.raises(reviewcli.UsageError, match="--force|force"):
        reviewcli.train(small_train, out=out, epochs=1, **TINY)


def test_train_options_are_the_cli_train_flags():
    """Every `reviewcli train` option shown in its help is a keyword of reviewcli.train under the same
    name, and back; the CLI's --unidirectional is the keyword bidirectional=False."""
    import typer.main

    from reviewcli.cli.main import app

    command = typer.main.get_command(app).commands["train"]
    shown = {param.name for param in command.params if not getattr(param, "hidden", False)} - {"data"}
    flags = shown - {"unidirectional"} | {"bidirectional"} if "unidirectional" in shown else shown
    keywords = set(inspect.signature(reviewcli.train).parameters) - {"data"}
    assert keywords == flags


def test_train_defaults_are_the_configs():
    """Where reviewcli.train has a default of its own (None: decided by the vectors or --init), it is the config's."""
    parameters = inspect.signature(reviewcli.train).parameters
    compared = []
    for config in (TrainConfig, ModelConfig):
        for field in fields(config):
            # ModelConfig's ngram_buckets is 0 for models saved before the bag; train's is checked below
            own = field.name in parameters and parameters[field.name].default is not None
            if own and field.name != "ngram_buckets":
                assert parameters[field.name].default == field.default, field.name
                compared.append(field.name)
    assert {"epochs", "seed", "lr", "batch_size", "dropout"} <= set(compared)
    assert parameters["ngram_buckets"].default == DEFAULT_NGRAM_BUCKETS


# --- README ------------------------------------------------------------------------------------

MARKER = "<!-- python-api-example -->"


def readme_example() -> str:
    """The ```python block right after README's marker line."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert MARKER in text, f"README.md has no {MARKER} line before the Python API example"
    found = re.match(r"\s*```python\n(.*?)^```", text.split(MARKER, 1)[1], re.DOTALL | re.MULTILINE)
    assert found, f"README.md: no ```python block right after {MARKER}"
    return found.group(1)


def test_readme_python_example_runs(tmp_path):
    """Verbatim, from a folder laid out as the repository root is: data/ and an (empty) models/."""
    (tmp_path / "data").mkdir()
    (tmp_path / "models").mkdir()
    for name in ("train.jsonl", "test.jsonl"):
        shutil.copy(DATA / name, tmp_path / "data" / name)
    done = python(readme_example(), cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    label, probability, words = r"(positive|negative)", r"[01](\.\d+)?(e-\d+)?", r"\[\(.+\)\]"
    lines = done.stdout.splitlines()
    assert [bool(re.fullmatch(pattern, line)) for pattern, line in zip([
        f"{label} {probability}", f"{label} {probability}", "None None", probability, f"{label} {words}", label,
    ], lines)] == [True] * 6 and len(lines) == 6, done.stdout  # fmt: skip
    assert (tmp_path / "models" / "mine" / "config.json").is_file()
