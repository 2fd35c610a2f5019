"""evaluate's formats (table, json, tsv, csv; plain when piped) and `reviewcli info`."""

import csv
import io
import json
import subprocess
import sys

from conftest import DATA, ROOT, invoke


def test_evaluate_piped_without_format_prints_tsv_rows(tiny_model):
    result = invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model])  # CliRunner's stdout is no terminal
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert all(len(row) == 2 for row in rows)
    found = dict(rows)
    assert (found["model"], found["data"]) == (str(tiny_model), str(DATA / "test.jsonl"))
    assert int(found["reviews"]) + int(found["left_out_unjudgeable"]) == 132  # the tiny model knows 300 words
    matrix = [
        int(found[f"confusion.true_{t}.predicted_{p}"])
        for t in ("negative", "positive")
        for p in ("negative", "positive")
    ]
    report = json.loads(invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "-f", "json"]).stdout)
    assert matrix == [n for row in report["confusion_matrix"]["matrix"] for n in row]
    assert found["accuracy"] == f"{report['accuracy']:.4f}"


def test_evaluate_csv_has_a_header_and_the_same_rows(tiny_model):
    as_csv = invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "-f", "csv"])
    as_tsv = invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "-f", "tsv"])
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0] == ["metric", "value"]
    assert rows[1:] == [line.split("\t") for line in as_tsv.stdout.splitlines()]


def test_evaluate_json_labels_the_confusion_matrix(tiny_model):
    report = json.loads(invoke(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "-f", "json"]).stdout)
    confusion = report["confusion_matrix"]
    assert {k: confusion[k] for k in ("rows", "columns", "labels")} == {
        "rows": "true", "columns": "predicted", "labels": ["negative", "positive"]
    }  # fmt: skip
    rows = [sum(row) for row in confusion["matrix"]]  # rows are the true classes
    assert rows == [report["per_class"][name]["support"] for name in ("negative", "positive")]
    assert {**report["left_out"], "unjudgeable": 0} == {"neutral": 0, "unknown_label": 0, "unjudgeable": 0}
    assert sum(rows) + report["left_out"]["unjudgeable"] == 132


def test_info_table_describes_the_model(tiny_model):
    result = invoke(["info", "--model", tiny_model])
    assert result.exit_code == 0, result.output
    fields = {
        line.split("  ")[0]: line.split("  ", 1)[1].strip() for line in result.stdout.splitlines() if "  " in line
    }
    assert fields["architecture"] == "gru, 1 layer, 8 hidden, bidirectional, 8-d embeddings"
    assert fields["n-gram bag"] == "words and word pairs hashed into 262,144 buckets, its score added to the encoder's"
    assert fields["vocabulary"] == "300 words; reviews cut to 400 tokens"
    assert fields["labels"] == "negative → negative, positive → positive"
    assert fields["versions"].startswith("reviewcli ") and "torch " in fields["versions"]


def test_info_json_counts_parameters_from_the_header(tiny_model, predictor):
    from reviewcli.model.network import count_parameters

    found = json.loads(invoke(["info", "-m", tiny_model, "--format", "json"]).stdout)
    assert found["architecture"]["parameters"] == count_parameters(predictor.model)
    assert found["data"]["train_examples"] + found["data"]["validation_examples"] == 528
    assert 0.0 <= found["metrics"]["validation_accuracy"] <= 1.0
    assert found["size_bytes"] == sum(path.stat().st_size for path in tiny_model.iterdir())


def test_info_on_an_old_model_says_not_recorded(tiny_model, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for path in tiny_model.iterdir():
        (old / path.name).write_bytes(path.read_bytes())
    config = json.loads((old / "config.json").read_text(encoding="utf-8"))
    for key in ("versions", "created"):
        del config[key]
    del config["data"]["labels"]
    del config["model"]["ngram_buckets"]
    (old / "config.json").write_text(json.dumps(config), encoding="utf-8")
    result = invoke(["info", "-m", old])
    assert result.exit_code == 0, result.output
    assert any(line.startswith("n-gram bag") and line.rstrip().endswith("none") for line in result.stdout.splitlines())
    for name in ("versions", "created", "labels"):
        assert any(
            line.startswith(name) and line.rstrip().endswith("not recorded") for line in result.stdout.splitlines()
        )


def test_info_reads_no_weights_and_imports_no_torch(tiny_model):
    probe = (
        "import sys\nfrom reviewcli.cli.main import app\n"
        "try:\n    app(['info', '-m', sys.argv[1], '-f', 'json'], prog_name='reviewcli')\n"
        "except SystemExit as exit:\n    print(exit.code, 'torch' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(tiny_model)], capture_output=True, cwd=ROOT, timeout=60)
    assert done.stderr.decode().strip() == "0 False"
    assert json.loads(done.stdout)["kind"] == "sentiment"


def test_info_of_a_missing_directory_is_a_usage_error(tmp_path):
    result = invoke(["info", "-m", tmp_path / "nope"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {tmp_path / 'nope'}: no such model directory.")
