"""`reviewcli predict` reads what train reads, keeps input columns, marks what it cannot score, streams."""

import csv
import gzip
import io
import json
import os
import subprocess
import sys
import threading

import pytest
from conftest import ROOT, invoke, write_jsonl

ROWS = [{"id": 1, "review": "great taste", "stars": 5}, {"id": 2, "review": "", "stars": 1},
        {"id": 3, "review": "never again, awful", "stars": 1}]  # fmt: skip


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def write_parquet(path, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2)
    return path


# --- every format train reads ------------------------------------------------------------------


def test_parquet_keeps_columns_order_and_rows(tiny_model, tmp_path):
    path = write_parquet(tmp_path / "r.parquet", ROWS)
    rows = csv_rows(ok(invoke(["predict", "--input", path, "-m", tiny_model, "-f", "csv"])).stdout)
    assert rows[0] == ["id", "review", "stars", "label", "probability", "score"]
    assert [row[:3] for row in rows[1:]] == [["1", "great taste", "5"], ["2", "", "1"], ["3", "never again, awful", "1"]]
    assert rows[2][3:] == ["", "", ""]  # the empty review is not scored
    assert rows[1][3] in ("positive", "negative") and rows[3][3] in ("positive", "negative")


def test_parquet_on_stdin_is_recognised_by_its_bytes(tiny_model, tmp_path):
    path = write_parquet(tmp_path / "r.parquet", ROWS)
    records = [json.loads(line) for line in ok(invoke(
        ["predict", "-", "-m", tiny_model, "-f", "jsonl"], input=path.read_bytes())).stdout.splitlines()]  # fmt: skip
    assert [r["id"] for r in records] == [1, 2, 3]


def test_json_document_and_gzip_files(tiny_model, tmp_path):
    document = tmp_path / "r.json"
    document.write_text(json.dumps(ROWS), encoding="utf-8")
    compressed = tmp_path / "r.jsonl.gz"
    compressed.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in ROWS).encode()))
    lines = tmp_path / "r.txt.gz"
    lines.write_bytes(gzip.compress(b"great taste\nawful\n"))
    for path in (document, compressed):
        records = [json.loads(x) for x in ok(invoke(["predict", "-i", path, "-m", tiny_model, "-f", "jsonl"])).stdout.splitlines()]
        assert [r["id"] for r in records] == [1, 2, 3], path
    rows = [line.split("\t") for line in ok(invoke(["predict", "-i", lines, "-m", tiny_model])).stdout.splitlines()]
    assert [row[3] for row in rows] == ["great taste", "awful"]


def test_gzip_on_stdin(tiny_model):
    result = ok(invoke(["predict", "-", "-m", tiny_model], input=gzip.compress(b"great taste\nawful\n")))
    assert [line.split("\t")[3] for line in result.stdout.splitlines()] == ["great taste", "awful"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("r.txt", b"good\nbad\x00\x01\x02\n", "r.txt:2: holds NUL bytes, so it is binary, not text"),
     ("r.csv", b"PK\x03\x04\x14\x00rest", "is a ZIP archive (an Excel .xlsx or .docx file?), not text. Export it as CSV"),
     ("r.txt", "good\n".encode("utf-16"), "is UTF-16 text, not text. Save it as UTF-8"),
     ("r.parquet", b"id,text\n1,good\n", "not a Parquet file"),
     ("r.txt", b"PAR1\x00\x00", "is a Parquet file, not lines. Name it .parquet"),
     ("r.xlsx", b"whatever", "unknown file type '.xlsx'. predict reads .txt (a review a line), .csv")],
)  # fmt: skip
def test_binary_or_unknown_files_are_refused(tiny_model, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = invoke(["predict", "-i", path, "-m", tiny_model])
    assert result.exit_code in (1, 2) and result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_input_format_reads_unknown_suffix_and_stdin(tiny_model, tmp_path):
    path = tmp_path / "reviews.log"
    path.write_text("great taste\nawful\n", encoding="utf-8")
    assert len(ok(invoke(["predict", "-i", path, "-m", tiny_model, "--input-format", "lines"])).stdout.splitlines()) == 2
    result = ok(invoke(["predict", "-", "-m", tiny_model, "--input-format", "csv", "-f", "csv"],
                       input="id,body\n7,great taste\n8,awful\n"))  # fmt: skip
    rows = csv_rows(result.stdout)
    assert rows[0] == ["id", "body", "label", "probability", "score"]
    assert [row[:2] for row in rows[1:]] == [["7", "great taste"], ["8", "awful"]]


# --- options that cannot apply ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [(["-i", "{txt}", "--text-column", "body"], "read one review per line, so there is no column for --text-column"),
     (["good", "--text-column", "body"], "--text-column applies to --input FILE or -"),
     (["good", "--input-format", "csv"], "--input-format applies to --input FILE or -"),
     (["good", "-f", "jsonl", "--header"], "--header applies to tsv output (csv always has one), not to jsonl"),
     (["-i", "{txt}", "--input-format", "xml"], "'xml' is not one of")],
)  # fmt: skip
def test_options_that_cannot_apply_are_usage_errors(tiny_model, tmp_path, args, message):
    txt = tmp_path / "r.txt"
    txt.write_text("good\n", encoding="utf-8")
    result = invoke(["predict", *[a.format(txt=txt) for a in args], "-m", tiny_model])
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr


# --- output keeps the input's columns ----------------------------------------------------------


def test_csv_in_csv_out_keeps_columns_and_renames_a_label_column(tiny_model, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('id,review,stars,label\n1,"good, really",5,positive\n2,awful,1,negative\n', encoding="utf-8")
    rows = csv_rows(ok(invoke(["predict", "-i", path, "-m", tiny_model, "-f", "csv"])).stdout)
    assert rows[0] == ["id", "review", "stars", "input_label", "label", "probability", "score"]
    assert [row[:4] for row in rows[1:]] == [["1", "good, really", "5", "positive"], ["2", "awful", "1", "negative"]]


def test_tsv_header_only_when_asked(tiny_model, tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", ROWS)
    plain = ok(invoke(["predict", "-i", path, "-m", tiny_model])).stdout.splitlines()
    headed = ok(invoke(["predict", "-i", path, "-m", tiny_model, "-f", "tsv", "--header"])).stdout.splitlines()
    assert headed[0] == "id\treview\tstars\tlabel\tprobability\tscore"
    assert headed[1:] == plain and len(plain) == 3


def test_same_decimals_in_every_format(tiny_model):
    outputs = {form: ok(invoke(["predict", "great taste", "-m", tiny_model, "-f", form])).stdout
               for form in ("tsv", "csv", "jsonl", "table")}  # fmt: skip
    probability = outputs["tsv"].split("\t")[1]
    assert len(probability.split(".")[1]) == 4
    assert probability in outputs["csv"] and probability in outputs["table"]
    assert f'"probability": {float(probability)}' in outputs["jsonl"] or probability.rstrip("0") in outputs["jsonl"]


def test_review_starting_with_a_dash_after_double_dash(tiny_model):
    result = ok(invoke(["predict", "-m", tiny_model, "--", "-1 stars, awful", "--great"]))
    assert [line.split("\t")[3] for line in result.stdout.splitlines()] == ["-1 stars, awful", "--great"]


# --- lines that cannot be scored ---------------------------------------------------------------


def test_unscored_lines_marked_and_counted_once(tiny_model, tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("great taste\n\n \t \nqwzx blorf\nDas ist schrecklich\nnever again\n", encoding="utf-8")
    result = ok(invoke(["predict", "-i", path, "-m", tiny_model, "-f", "jsonl"]))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == ["great taste", "", " \t ", "qwzx blorf", "Das ist schrecklich", "never again"]
    assert [r["label"] is None for r in records] == [False, True, True, True, True, False]
    assert result.stderr == (
        "Note: 4 of 6 reviews not scored, their label, probability and score left empty: 2 empty (reviews 2, 3), "
        "2 with too few words the model knows (reviews 4, 5).\n"
    )


# --- terminals and slow input ------------------------------------------------------------------


def test_progress_on_a_terminal_when_results_go_to_a_file(tiny_model, tmp_path, monkeypatch):
    path = tmp_path / "many.txt"
    path.write_text("great taste\n" * 3000, encoding="utf-8")
    monkeypatch.setenv("REVIEWCLI_FORCE_TERMINAL", "1")
    result = ok(invoke(["predict", "-i", path, "-m", tiny_model]))
    assert str(path) in result.stderr and "\x1b[" in result.stderr  # the bar, drawn and cleared
    assert len(result.stdout.splitlines()) == 3000 and "\x1b[" not in result.stdout
    monkeypatch.delenv("REVIEWCLI_FORCE_TERMINAL")
    assert ok(invoke(["predict", "-i", path, "-m", tiny_model])).stderr == ""


def test_slow_input_gets_each_result_as_its_line_arrives(tiny_model):
    """`tail -f log | reviewcli predict -`: a result per line while the pipe stays open."""
    child = subprocess.Popen(
        [sys.executable, "-m", "reviewcli", "predict", "-", "--model", str(tiny_model)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    # a hang guard only: if results waited for a full chunk or for EOF, readline would block forever;
    # killed, the child's stdout ends and readline returns b"", which fails the assertion below
    guard = threading.Timer(300, child.kill)
    guard.start()
    try:
        for review in ("great taste", "awful, never again"):
            child.stdin.write(review.encode() + b"\n")
            child.stdin.flush()
            line = child.stdout.readline()  # the result of this line, read while stdin stays open
            assert line.decode().rstrip("\n").split("\t")[3] == review
        child.stdin.close()
        assert child.wait() == 0
        assert child.stdout.read() == b""
    finally:
        guard.cancel()
        child.kill()


@pytest.mark.parametrize(
    ("args", "message"),
    [(["good", "--master", "local[2]"], "--master applies to --engine spark"),
     (["good", "--engine", "spark", "--output", "out"], "give --input 'PATTERN'"),
     (["--input", "r/*.parquet", "--engine", "spark"], "give --input 'PATTERN'"),
     (["--input", "r/*.parquet", "--engine", "spark", "--output", "o", "-f", "csv"], "--format, --header and --input-format do not apply")],
)  # fmt: skip
def test_spark_options_are_checked_before_spark_starts(args, message):
    result = invoke(["predict", *args])
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr
