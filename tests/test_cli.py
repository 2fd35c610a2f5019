"""The `reviewcli` command in-process through typer's CliRunner: help, train, evaluate, predict, errors."""

import json
import shutil

import pytest
from conftest import DATA, TINY, invoke, write_jsonl

from reviewcli import __version__

REVIEWS = ["great taste", "soggy and stale, never again"]


def assert_fails_cleanly(result, code: int, *fragments: str) -> None:
    """Exit `code`, one 'Error: ...' on stderr holding every fragment, and no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # not an uncaught exception
    assert result.stderr.startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    assert "Traceback" not in result.output


def tsv_rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


# --- help and version ---------------------------------------------------------------------------


def test_app_help_lists_commands():
    result = invoke(["--help"])
    assert result.exit_code == 0
    for command in ("train", "evaluate", "predict"):
        assert command in result.stdout
    assert "Sentiment of product reviews" in result.stdout


@pytest.mark.parametrize(
    ("command", "options"),
    [("train", ["--cell", "--epochs", "--out", "--quiet"]),
     ("evaluate", ["--model", "--format", "--threshold"]),
     ("predict", ["--input", "--model", "--format", "--threshold", "--text-column"])],
)  # fmt: skip
def test_command_help(command, options):
    result = invoke([command, "--help"])
    assert result.exit_code == 0
    for option in options:
        assert option in result.stdout


def test_version():
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"reviewcli {__version__}\n"


def test_unknown_option_is_usage_error():
    result = invoke(["train", "--cell", "transformer"])
    assert result.exit_code == 2
    assert "transformer" in result.stderr


# --- train --------------------------------------------------------------------------------------


def test_train_writes_model_directory(tiny_model):
    assert sorted(p.name for p in tiny_model.iterdir()) == ["config.json", "model.safetensors", "vocab.json"]
    config = json.loads((tiny_model / "config.json").read_text(encoding="utf-8"))
    assert config["model"]["embedding_dim"] == 8 and config["model"]["hidden"] == 8
    assert config["data"]["train_examples"] + config["data"]["validation_examples"] == 528
    assert len(json.loads((tiny_model / "vocab.json").read_text(encoding="utf-8"))) == 300


def test_train_csv_with_column_overrides_and_three_stars(tmp_path, small_rows):
    path = tmp_path / "r.csv"
    lines = ["words,score_given"] + [f'"{r["text"]}",{5 if r["label"] == "positive" else 1}' for r in small_rows]
    lines += ['"just ok",3', '"middling",3']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "m"
    result = invoke(["train", path, *TINY, "--epochs", "1", "--text-column", "words", "--label-column", "score_given",
                     "--cell", "rnn", "--no-bidirectional", "--out", out])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "labels: 1 → negative, 5 → positive, 3 → left out\nleft out 2 reviews rated 3 stars" in result.stderr
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert (config["model"]["cell"], config["model"]["bidirectional"]) == ("rnn", False)
    assert config["data"]["left_out_3_stars"] == 2


def test_train_unknown_column(tmp_path, small_train):
    result = invoke(["train", small_train, *TINY, "--label-column", "verdict", "--out", tmp_path / "m"])
    assert_fails_cleanly(result, 2, "no column 'verdict'", "text, label, product")
    assert not (tmp_path / "m").exists()


def test_train_missing_file(tmp_path):
    result = invoke(["train", tmp_path / "missing.jsonl", "--out", tmp_path / "m"])
    assert_fails_cleanly(result, 2, "missing.jsonl: no such file or directory")


def test_train_hub_name_offline_is_usage_error_quickly(tmp_path, waits):
    result = invoke(["train", "reviewcli_no_such_dataset_xyz", "--out", tmp_path / "m"])
    assert_fails_cleanly(result, 2, "reviewcli_no_such_dataset_xyz: not a local file or folder")
    assert waits == []  # quickly: no network look-up, no retry, no back-off


# --- evaluate -----------------------------------------------------------------------------------


def test_evaluate_json(tiny_model):
    result = invoke(["evaluate", DATA / "test.jsonl", "--model", tiny_model, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"accuracy", "macro_f1", "roc_auc", "per_class", "confusion_matrix", "n"} <= set(report)
    # the tiny model knows 300 words: reviews where fewer than half their words are known are left out
    assert report["n"] + report["left_out"]["unjudgeable"] == 132
    assert sum(map(sum, report["confusion_matrix"]["matrix"])) == report["n"]
    assert report["model"] == str(tiny_model) and report["data"] == str(DATA / "test.jsonl")
    assert set(report["per_class"]) == {"negative", "positive"}
    assert report["per_class"]["negative"]["support"] + report["per_class"]["positive"]["support"] == report["n"]
    assert 0.0 <= report["accuracy"] <= 1.0 and 0.0 <= report["roc_auc"] <= 1.0
    assert result.stderr == (f"left out {report['left_out']['unjudgeable']} reviews with too few words the model knows\n"
                             if report["left_out"]["unjudgeable"] else "")  # labels that are the class names need no note


def test_evaluate_table(tiny_model):
    result = invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "--format", "table"])
    assert result.exit_code == 0, result.output
    for text in (f"model: {tiny_model}", " reviews", "accuracy", "macro F1", "ROC-AUC", "precision", "recall", "confusion matrix",
                 "negative", "positive"):  # fmt: skip
        assert text in result.stdout


def test_evaluate_one_class_auc_not_available(tiny_model, tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [{"text": "great", "label": 1}, {"text": "lovely", "label": 1}])
    table = invoke(["evaluate", path, "-m", tiny_model, "-f", "table"])
    assert table.exit_code == 0 and "n/a (one class only)" in table.stdout
    as_json = invoke(["evaluate", path, "-m", tiny_model, "-f", "json"])
    assert json.loads(as_json.stdout)["roc_auc"] is None


def test_evaluate_folder_uses_test_split(tiny_model, tmp_path):
    write_jsonl(tmp_path / "train.jsonl", [{"text": "a", "label": 1}, {"text": "b", "label": 0}])
    write_jsonl(tmp_path / "test.jsonl", [{"text": f"great {i}", "label": i % 2} for i in range(5)])
    result = invoke(["evaluate", tmp_path, "-m", tiny_model, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 5


def test_evaluate_threshold_zero_predicts_all_positive(tiny_model):
    result = invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "-f", "json", "--threshold", "0"])
    report = json.loads(result.stdout)
    assert report["confusion_matrix"]["matrix"][0][0] == report["confusion_matrix"]["matrix"][1][0] == 0


def test_evaluate_non_utf8_warns_and_goes_on(tiny_model, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"text": "good", "label": 1}\n{"text": "caf\xe9 bad", "label": 0}\n')
    result = invoke(["evaluate", path, "-m", tiny_model, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 2
    assert f"Warning: {path}:2: not valid UTF-8" in result.stderr


def test_evaluate_missing_file(tiny_model, tmp_path):
    result = invoke(["evaluate", tmp_path / "absent.csv", "-m", tiny_model])
    assert_fails_cleanly(result, 2, "absent.csv: no such file or directory")


def test_evaluate_unknown_column(tiny_model):
    result = invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "--text-column", "body_text"])
    assert_fails_cleanly(result, 2, "no column 'body_text'", "Its columns are: text, label, product")


def test_evaluate_label_column_without_labels(tiny_model):
    result = invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "--label-column", "product"])
    assert_fails_cleanly(result, 1, "test.jsonl:1: label", "'coffee beans'", "is not a sentiment label")


def test_evaluate_only_three_star_rows(tiny_model, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text,rating\nmeh,3\nfine I guess,3\n", encoding="utf-8")
    result = invoke(["evaluate", path, "-m", tiny_model])
    assert_fails_cleanly(result, 1, "no labelled reviews found")


# --- predict ------------------------------------------------------------------------------------


def test_predict_arguments_tsv(tiny_model):
    result = invoke(["predict", *REVIEWS, "--model", tiny_model])
    assert result.exit_code == 0, result.output
    rows = tsv_rows(result.stdout)
    assert [row[3] for row in rows] == REVIEWS
    assert all(row[0] in ("positive", "negative") and 0.0 <= float(row[1]) <= 1.0 for row in rows)
    assert all(float(row[2]) == round(max(float(row[1]), 1 - float(row[1])), 4) for row in rows)
    assert all(row[0] == ("positive" if float(row[1]) >= 0.5 else "negative") for row in rows)
    assert result.stderr == ""


def test_predict_jsonl(tiny_model):
    result = invoke(["predict", *REVIEWS, "-m", tiny_model, "--format", "jsonl"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == REVIEWS
    assert all(list(r) == ["text", "label", "probability", "score"] for r in records)


def test_predict_csv(tiny_model):
    import csv
    import io

    result = invoke(["predict", *REVIEWS, "-m", tiny_model, "-f", "csv"])
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["label", "probability", "score", "text"]
    assert [row[3] for row in rows[1:]] == REVIEWS


def test_predict_table(tiny_model):
    result = invoke(["predict", *REVIEWS, "-m", tiny_model, "-f", "table"])
    assert result.exit_code == 0, result.output
    assert "P(positive)" in result.stdout
    for review in REVIEWS:
        assert review in result.stdout


def test_predict_matches_the_predictor(tiny_model, predictor):
    result = invoke(["predict", *REVIEWS, "-m", tiny_model, "-f", "jsonl"])
    probabilities = [json.loads(line)["probability"] for line in result.stdout.splitlines()]
    # the same batch of 4 on both sides; predict rounds to 4 decimals: half a unit and float32 noise
    assert probabilities == pytest.approx(predictor.predict(REVIEWS), abs=6e-5)


@pytest.mark.parametrize(("threshold", "label"), [("0", "positive"), ("1", "negative")])
def test_threshold_changes_labels(tiny_model, threshold, label):
    result = invoke(["predict", *REVIEWS, "never again", "-m", tiny_model, "--threshold", threshold])
    assert result.exit_code == 0, result.output
    assert [row[0] for row in tsv_rows(result.stdout)] == [label] * 3


def test_threshold_out_of_range_is_usage_error(tiny_model):
    result = invoke(["predict", "good", "-m", tiny_model, "--threshold", "1.5"])
    assert result.exit_code == 2
    assert "--threshold" in result.stderr


def test_predict_input_txt(tiny_model, tmp_path):
    path = tmp_path / "reviews.txt"
    path.write_text("great taste\n\nnever again\n", encoding="utf-8")
    result = invoke(["predict", "--input", path, "-m", tiny_model])
    assert result.exit_code == 0, result.output
    assert [row[3] for row in tsv_rows(result.stdout)] == ["great taste", "", "never again"]


def test_predict_stdin_dash(tiny_model):
    result = invoke(["predict", "-", "-m", tiny_model], input="great taste\nawful\n")
    assert result.exit_code == 0, result.output
    assert [row[3] for row in tsv_rows(result.stdout)] == ["great taste", "awful"]


def test_predict_input_jsonl_carries_fields(tiny_model, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [
        {"id": 7, "review": "great taste", "label": "negative", "meta": {"shop": "a"}},
        {"id": 8, "review": "never again", "label": "positive", "meta": None},
    ])  # fmt: skip
    result = invoke(["predict", "-i", path, "-m", tiny_model, "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [7, 8]
    assert [r["input_label"] for r in records] == ["negative", "positive"]
    assert records[0]["meta"] == {"shop": "a"} and records[0]["review"] == "great taste"
    assert all(r["label"] in ("positive", "negative") and isinstance(r["probability"], float) for r in records)
    assert list(records[0]) == ["id", "review", "input_label", "meta", "label", "probability", "score"]


def test_predict_input_csv_text_column(tiny_model, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,opinion\n1,great taste\n2,awful\n", encoding="utf-8")
    result = invoke(["predict", "-i", path, "-m", tiny_model, "--text-column", "opinion", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["opinion"] for line in result.stdout.splitlines()] == ["great taste", "awful"]


def test_predict_input_unknown_text_field(tiny_model, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [{"opinion": "great"}])
    result = invoke(["predict", "-i", path, "-m", tiny_model, "--text-column", "body"])
    assert_fails_cleanly(result, 2, "no field 'body'", "opinion")


def test_predict_missing_input_file(tiny_model, tmp_path):
    result = invoke(["predict", "--input", tmp_path / "nowhere.txt", "-m", tiny_model])
    assert_fails_cleanly(result, 2, "nowhere.txt: no such file")


def test_predict_non_utf8_input_warns(tiny_model, tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"good\ncaf\xe9\n")
    result = invoke(["predict", "-i", path, "-m", tiny_model])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2
    assert f"Warning: {path}:2: not valid UTF-8; replaced 1" in result.stderr


def test_predict_no_reviews():
    result = invoke(["predict"])
    assert_fails_cleanly(result, 2, "no reviews given")


def test_predict_arguments_and_input_together(tmp_path):
    result = invoke(["predict", "good", "--input", tmp_path / "x.txt"])
    assert_fails_cleanly(result, 2, "not both")


def test_predict_model_directory_missing(tmp_path):
    result = invoke(["predict", "good", "--model", tmp_path / "no-model"])
    assert_fails_cleanly(result, 2, "no-model: no such model directory")


def test_predict_model_directory_incomplete(tiny_model, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    (broken / "model.safetensors").unlink()
    result = invoke(["predict", "good", "--model", broken])
    assert_fails_cleanly(result, 1, "not a complete reviewcli model", "missing model.safetensors")


def test_predict_model_weights_unreadable(tiny_model, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    (broken / "model.safetensors").write_bytes(b"\x00" * 4)
    result = invoke(["predict", "good", "--model", broken])
    assert_fails_cleanly(result, 1, "model.safetensors: unreadable")


def test_predict_model_config_without_tokenizer(tiny_model, tmp_path):
    # a config.json without "tokenizer" is a clean model error, not a KeyError traceback
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    config = json.loads((broken / "config.json").read_text(encoding="utf-8"))
    del config["tokenizer"]
    (broken / "config.json").write_text(json.dumps(config), encoding="utf-8")
    result = invoke(["predict", "good", "--model", broken])
    assert_fails_cleanly(result, 1, "config.json")


def test_predict_uses_reviewcli_model_env(tiny_model, monkeypatch):
    monkeypatch.setenv("REVIEWCLI_MODEL", str(tiny_model))
    result = invoke(["predict", "great taste"])
    assert result.exit_code == 0, result.output
    assert tsv_rows(result.stdout)[0][3] == "great taste"


def test_reviewcli_model_env_is_what_gets_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWCLI_MODEL", str(tmp_path / "env-model"))
    result = invoke(["predict", "great taste"])
    assert_fails_cleanly(result, 2, "env-model: no such model directory")


def test_model_option_wins_over_env(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWCLI_MODEL", str(tmp_path / "env-model"))
    result = invoke(["predict", "great taste", "--model", tiny_model])
    assert result.exit_code == 0, result.output


def test_predict_dash_and_input_together(tiny_model, tmp_path):
    # `-` and --input together are refused, not stdin read with FILE ignored
    path = tmp_path / "in.txt"
    path.write_text("from the file\n", encoding="utf-8")
    result = invoke(["predict", "-", "--input", path, "-m", tiny_model], input="from stdin\n")
    assert_fails_cleanly(result, 2, "not both")


def test_predict_stdin_jsonl_with_text_column(tiny_model):
    stdin = '{"body": "great taste", "sku": "A1"}\n{"body": "awful", "sku": "B2"}\n'
    result = invoke(["predict", "-", "-m", tiny_model, "--text-column", "body", "-f", "jsonl"], input=stdin)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["sku"], r["body"]) for r in records] == [("A1", "great taste"), ("B2", "awful")]


def test_predict_table_shows_markup_literally(tiny_model):
    result = invoke(["predict", "[bold]great[/bold] taste", "-m", tiny_model, "-f", "table"])
    assert result.exit_code == 0, result.output
    assert "[bold]great[/bold] taste" in result.stdout


def test_train_out_refuses_to_replace_a_directory_that_is_not_a_model(small_train, tmp_path):
    # train never deletes an --out folder that holds something other than a model
    out = tmp_path / "my-documents"
    out.mkdir()
    (out / "notes.txt").write_text("precious", encoding="utf-8")
    result = invoke(["train", small_train, *TINY, "--epochs", "1", "--out", out, "-q"])
    assert (out / "notes.txt").read_text(encoding="utf-8") == "precious"
    assert result.exit_code in (1, 2)
    assert result.stderr.startswith("Error: ")
    assert str(out) in result.stderr


def test_train_replaces_a_previous_model_only_with_force(small_train, tmp_path):
    out = tmp_path / "m"
    result = invoke(["train", small_train, *TINY, "--epochs", "1", "--cell", "gru", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    before = (out / "model.safetensors").read_bytes()
    result = invoke(["train", small_train, *TINY, "--epochs", "1", "--cell", "lstm", "--out", out, "-q"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {out}: a model is already there. Replace it with --force, or choose another --out.\n"
    assert (out / "model.safetensors").read_bytes() == before
    result = invoke(["train", small_train, *TINY, "--epochs", "1", "--cell", "lstm", "--out", out, "-q", "--force"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["model"]["cell"] == "lstm"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no lock, staging or old copy left
