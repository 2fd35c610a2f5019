"""Every input read the same way whatever the route (file or stdin), said on stderr; broken input
handled alike; reviews the model cannot judge left unscored; files with the user's umask; the --out
lock before any data."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TINY, invoke, run_cli, write_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewcli.core.judgeable import judgeable, known_words
from reviewcli.io.formats import sniff, sniff_delimiter

UNJUDGEABLE = Path(__file__).parent / "data" / "unjudgeable.txt"
SHIPPED = ROOT / "models" / "default"


# --- one detection of input formats --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("head", "form"),
    [(b'{"text": "great"}\n', "jsonl"), (b'[{"text": "great"}]', "json"), (b"PAR1....", "parquet"),
     (b"id,review\n1,great\n", "csv"), (b"review\tstars\ngreat\t5\n", "tsv"), (b"id;body\n1;great\n", "csv"),
     (b"great, really great\nbad\n", "lines"), (b"{great}\n", "lines"), (b"[spoiler] fun\n", "lines")],
)  # fmt: skip
def test_sniff_tells_records_from_a_review_a_line(head, form):
    assert sniff(head) == form


def test_sniff_delimiter_of_each_kind():
    for delimiter in (",", ";", "\t", "|"):
        rows = [delimiter.join(["id", "text", "stars"]), delimiter.join(["1", "great", "5"]), "2"]  # a short row too
        assert sniff_delimiter(rows) == delimiter


def test_stdin_jsonl_scores_the_text_field_and_says_the_format(tiny_model):
    lines = b'{"text": "great taste", "id": 1}\n{"text": "bad", "id": 2}\n'
    done = run_cli(["predict", "-", "-m", tiny_model, "-f", "jsonl"], input=lines)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["text"], r["id"]) for r in records] == [("great taste", 1), ("bad", 2)]
    assert done.stderr.decode().splitlines()[:2] == [
        "reading <stdin> as JSONL (detected; choose with --input-format)",
        "reading column 'text' of <stdin>",
    ]


def test_explain_stdin_jsonl_reads_the_text_field(tiny_model):
    done = run_cli(["explain", "-", "-m", tiny_model, "-f", "json"], input=b'{"text": "great taste"}\n')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["text"] == "great taste"
    assert b"reading <stdin> as JSONL" in done.stderr


def test_quiet_says_nothing_of_the_format(tiny_model):
    done = run_cli(["predict", "-", "-m", tiny_model, "-q"], input=b'{"text": "great taste"}\n')
    assert done.returncode == 0 and done.stderr == b""


# --- the text column, chosen once -------------------------------------------------------------------------
def test_column_said_and_taken_by_name_not_position(tiny_model, tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [{"title": "Awful, returned it", "review": "great product"}])
    result = invoke(["predict", "-i", path, "-m", tiny_model, "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"reading column 'review' of {path}\n"
    assert json.loads(result.stdout)["review"] == "great product"


def test_row_without_the_column_is_not_scored_and_counted(tiny_model, tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [{"text": "great"}, {"body": "terrible"}, {"text": "bad"}])
    result = invoke(["predict", "-i", path, "-m", tiny_model, "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["label"] is None for r in records] == [False, True, False]
    assert records[1]["body"] == "terrible"
    assert result.stderr.splitlines()[-1] == (
        "Note: 1 of 3 reviews not scored, their label, probability and score left empty: "
        "1 without the column 'text' (review 2)."
    )


def test_short_csv_row_is_counted_not_an_error(tiny_model, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,body\n1,great\n2\n", encoding="utf-8")
    result = invoke(["predict", "-i", path, "-m", tiny_model])
    assert result.exit_code == 0, result.output
    assert "1 without the column 'body' (review 2)" in result.stderr


# --- broken input, the same by every route ----------------------------------------------------------------
def test_jsonl_cut_mid_line_prints_rows_before_by_file_and_by_stdin(tiny_model, tmp_path):
    good = b"".join(json.dumps({"text": f"great {i}"}).encode() + b"\n" for i in range(3))
    path = tmp_path / "cut.jsonl"
    path.write_bytes(good + b'{"text": "bad and')
    by_file = run_cli(["predict", "-i", path, "-m", tiny_model])
    by_stdin = run_cli(["predict", "-", "-m", tiny_model], input=path.read_bytes())
    for done, name in ((by_file, str(path)), (by_stdin, "<stdin>")):
        assert done.returncode == 1
        assert len(done.stdout.splitlines()) == 3, done.stdout
        assert done.stderr.decode().splitlines()[-1].startswith(f"Error: {name}:4:")


def test_a_file_scored_a_chunk_ahead_keeps_order_and_every_row_before_a_fault(tiny_model, tmp_path):
    """From a file the next chunk is read while one is scored: over many chunks the results come in
    input order, the same as one chunk at a time, and when the file breaks every row before it is out."""
    from reviewcli import commands
    from reviewcli.core.errors import DataError

    texts = [f"great taste {i}" if i % 3 else f"stale and soggy {i}" for i in range(50)]
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")

    def scored(input_path, chunk_size):
        found = commands.predict(texts if input_path is None else [], input_path=input_path, model_dir=tiny_model,
                                 text_column=None, chunk_size=chunk_size)  # fmt: skip
        return [(review.text, result) for chunk in found.chunks for review, result in chunk]

    ahead = scored(str(path), 4)
    assert [text for text, _ in ahead] == texts
    assert ahead == scored(None, 1000)
    path.write_text(path.read_text(encoding="utf-8") + '{"text": "cut', encoding="utf-8")
    found = commands.predict([], input_path=str(path), model_dir=tiny_model, text_column=None, chunk_size=4)
    out = []
    with pytest.raises(DataError, match=f"{path}:51"):
        for chunk in found.chunks:
            out += [review.text for review, _ in chunk]
    assert out == texts


def test_csv_row_cut_mid_quote_is_an_error_naming_its_line(tiny_model, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('text,stars\ngreat,5\n"bad and broken,1\nfine,4\n', encoding="utf-8")
    result = invoke(["predict", "-i", path, "-m", tiny_model])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: {path}:3: a quoted field opens here and is never closed. Close its quote, or remove that line."
    )


def test_semicolon_csv_is_sniffed_and_said(tiny_model, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('id;review;stars\n1;great;5\n2;"bad; broken";1\n', encoding="utf-8")
    result = invoke(["predict", "-i", path, "-m", tiny_model, "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["review"] for line in result.stdout.splitlines()] == ["great", "bad; broken"]
    assert f"reading {path} as semicolon-separated (detected; choose with --delimiter)" in result.stderr


def test_the_hint_of_a_wrong_delimiter_leads_to_a_command_that_works(tiny_model, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id;body\n1;great\n2;bad\n", encoding="utf-8")
    refused = invoke(["predict", "-i", path, "-m", tiny_model, "--delimiter", ","])
    assert refused.exit_code == 2
    assert refused.stderr.strip().endswith("Its fields look ';'-separated: pass --delimiter ';'.")
    done = invoke(["predict", "-i", path, "-m", tiny_model, "--delimiter", ";"])
    assert done.exit_code == 0, done.output
    assert len(done.stdout.splitlines()) == 2


def test_the_text_column_hint_leads_to_a_command_that_works(tiny_model, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,opinion\n1,great\n2\n", encoding="utf-8")
    refused = invoke(["predict", "-i", path, "-m", tiny_model])
    assert refused.exit_code == 2 and "Name it with --text-column." in refused.stderr
    done = invoke(["predict", "-i", path, "-m", tiny_model, "--text-column", "opinion"])
    assert done.exit_code == 0, done.output
    assert "1 without the column 'opinion' (review 2)" in done.stderr


def test_train_reads_a_semicolon_csv(tmp_path, small_rows):
    path = tmp_path / "train.csv"

    def plain(text: str) -> str:
        return " ".join(text.replace(";", ",").replace('"', "").split())  # one line, no quotes

    lines = ["text;label"] + [f"{plain(row['text'])};{row['label']}" for row in small_rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke(["train", path, *TINY, "--epochs", "1", "--from-scratch", "--out", tmp_path / "m"])
    assert result.exit_code == 0, result.output


# --- reviews the model cannot judge ------------------------------------------------------------------------------
def test_known_word_rule():
    known = {"great", "taste"}
    assert known_words(["great", "taste", "!", "très"], known) == (2, 3)
    assert judgeable(["great", "!", "!"], known, 0.5)
    assert not judgeable(["!", "!", "!"], known, 0.5)  # symbols only: no word at all
    assert not judgeable(["très", "mauvaise", "great"], known, 0.5)  # 1 of 3 words known
    # tokens the tokenizer makes and others: a word is any token with a letter or digit in it
    assert known_words(["n't", "'s", "-", "a-b", "--", "?!", "👍", "x_", "5"], {"n't", "5"}) == (2, 5)


@given(st.lists(st.sampled_from(["great", "taste", "!", "très", "n't", "'s", "5", "--", "👍", "x_", "mauvaise", "?"]), max_size=12))
@settings(max_examples=300, deadline=None)
def test_the_judge_of_a_vocabulary_answers_as_the_rule(tokens):
    from reviewcli.core.judgeable import Judge
    from reviewcli.core.vocab import Vocabulary

    vocab = Vocabulary(["<pad>", "<unk>", "great", "taste", "!", "n't", "5", "--"])
    judge = Judge(vocab.tokens, vocab.unk_index, 0.5)
    assert judge(tokens, vocab.encode(tokens)) == judgeable(tokens, vocab.index, 0.5)


def test_shipped_model_leaves_foreign_and_symbol_reviews_unscored():
    import reviewcli

    model = reviewcli.load(SHIPPED, device="cpu")
    lines = UNJUDGEABLE.read_text(encoding="utf-8").splitlines()
    found = model.predict(lines)
    unscored = [p.text for p in found if p.label is None]
    assert "Très mauvaise qualité, cassé après deux jours" in unscored and "!!!" in unscored
    assert len(unscored) >= 0.9 * len(lines)  # 35 of 36 when measured (docs/experiments/unscorable.md)
    assert all(p.label is not None for p in model.predict(["great taste", "soggy and stale, never again"]))


def test_predict_counts_unjudgeable_reviews_in_the_note():
    result = invoke(["predict", "great taste", "!!!", "Très mauvaise qualité, cassé après deux jours", "-m", SHIPPED])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].endswith("2 with too few words the model knows (reviews 2, 3).")


def test_evaluate_counts_unjudgeable_reviews_as_left_out(tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [{"text": "great taste", "label": 1}, {"text": "!!!", "label": 0},
                                              {"text": "soggy and stale", "label": 0}])  # fmt: skip
    result = invoke(["evaluate", path, "-m", SHIPPED, "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["n"], report["left_out"]["unjudgeable"]) == (2, 1)
    assert "left out 1 review with too few words the model knows" in result.stderr


def test_explain_says_a_review_is_not_judged():
    result = invoke(["explain", "Très mauvaise qualité, cassé après deux jours", "-m", SHIPPED, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "Note: review 1 has too few words the model knows" in result.stderr


# --- files with the user's umask; the --out lock first --------------------------------------------------------------
@pytest.fixture(params=[0o022, 0o077])
def user_umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_written_files_follow_the_umask(tiny_model, tmp_path, user_umask):
    file_mode, dir_mode = 0o666 & ~user_umask, 0o777 & ~user_umask
    assert invoke(["predict", "great", "-m", tiny_model, "--out", tmp_path / "p.tsv"]).exit_code == 0
    assert invoke(["explain", "great", "-m", tiny_model, "-f", "html", "--out", tmp_path / "e.html",
                   "--plot", tmp_path / "plot"]).exit_code == 0  # fmt: skip
    data = ROOT / "data" / "test.jsonl"
    assert invoke(["evaluate", data, "-m", tiny_model, "-f", "json", "--out", tmp_path / "m.json"]).exit_code == 0
    for name in ("p.tsv", "e.html", "plot/explain.png", "m.json"):
        assert mode(tmp_path / name) == file_mode, name
    trained = invoke(["train", ROOT / "data", *TINY, "--epochs", "1", "--from-scratch", "--out", tmp_path / "model"])
    assert trained.exit_code == 0, trained.output
    assert mode(tmp_path / "model") == dir_mode
    assert {mode(file) for file in (tmp_path / "model").iterdir()} == {file_mode}


def test_train_refuses_a_locked_out_before_reading_any_data(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom reviewcli.store.outdir import RunLock\n"
         "with RunLock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(120)", str(tmp_path / "m")],
        stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == b"held\n"
        # standard input that never ends: a train reading data before the lock would wait forever
        train = subprocess.Popen(
            [sys.executable, "-m", "reviewcli", "train", "-", "--out", str(tmp_path / "m"), "--device", "cpu"],
            stdin=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        try:
            _, err = train.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            train.kill()
            pytest.fail("train read its data before taking the --out lock")
        assert train.returncode == 2, err
        assert "another reviewcli run" in err.decode() and str(holder.pid) in err.decode()
    finally:
        holder.kill()
        holder.wait()


def labelled_pipe_file(tmp_path) -> Path:
    """Reviews whose text holds commas and semicolons, separated by |."""
    path = tmp_path / "labelled.csv"
    rows = ["text|label"] + [
        f"great taste, would buy again; really {i}|positive" if i % 2 else f"stale, soggy; never again {i}|negative"
        for i in range(24)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_reads_the_delimiter_given(tiny_model, tmp_path):
    path = labelled_pipe_file(tmp_path)
    done = invoke(["evaluate", path, "-m", tiny_model, "-f", "json", "--delimiter", "|"])
    assert done.exit_code == 0, done.output
    found = json.loads(done.stdout)
    assert found["n"] + found["left_out"]["unjudgeable"] == 24  # the tiny model knows few words
    wrong = invoke(["evaluate", path, "-m", tiny_model, "-f", "json", "--delimiter", ";"])
    assert wrong.exit_code != 0
    assert str(path) in wrong.stderr and "Traceback" not in wrong.output


def test_the_python_api_evaluates_with_a_delimiter(tiny_model, tmp_path):
    import reviewcli

    path = labelled_pipe_file(tmp_path)
    found = reviewcli.load(tiny_model).evaluate(path, delimiter="|")
    assert found["n"] + found["left_out"]["unjudgeable"] == 24
    with pytest.raises(reviewcli.UsageError, match="delimiter ':'"):
        reviewcli.load(tiny_model).evaluate(path, delimiter=":")


@pytest.mark.parametrize("command", ["train", "compare"])
def test_train_and_compare_read_the_delimiter_given(command, tmp_path):
    """The same pipe-separated file: --delimiter ';' reads it wrong (no label column), and the run
    stops with the file named before any training."""
    path = labelled_pipe_file(tmp_path)
    extra = ["--trials", "1", "--seeds", "13"] if command == "compare" else ["--epochs", "1", *TINY]
    wrong = invoke([command, path, "--delimiter", ";", "-o", tmp_path / "out", *extra, "-q"])
    assert wrong.exit_code != 0
    assert str(path) in wrong.stderr and "Traceback" not in wrong.output
    if command == "train":
        done = invoke([command, path, "--delimiter", "|", "-o", tmp_path / "out", *extra, "-q"])
        assert done.exit_code == 0, done.output
        assert json.loads((tmp_path / "out" / "config.json").read_text())["data"]["train_examples"] > 0
