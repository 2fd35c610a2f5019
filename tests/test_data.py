"""reviewcli.io.data: every input format, column detection, folders, splits and data errors."""

import json

import pytest
from conftest import DATA, write_jsonl

from reviewcli.core.errors import DataError, UsageError
from reviewcli.io.data import Columns, Examples, load_examples, load_file, load_splits, stratified_split, training_data

ROWS = [("Great taste, will buy again", "positive"), ("Stale and soggy", "negative"), ("Lovely", "positive")]


def test_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [{"text": t, "label": y, "id": i} for i, (t, y) in enumerate(ROWS)])
    examples = load_file(path, Columns())
    assert examples.texts == [t for t, _ in ROWS]
    assert examples.labels == [1, 0, 1]


def test_json_array_of_objects(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"review": t, "sentiment": y.upper()} for t, y in ROWS], indent=2), encoding="utf-8")
    examples = load_file(path, Columns())
    assert examples.texts == [t for t, _ in ROWS]
    assert examples.labels == [1, 0, 1]


def test_csv_with_quoted_commas(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('review,sentiment\n"Great, really great",pos\n"Bad, bad",neg\n', encoding="utf-8")
    examples = load_file(path, Columns())
    assert examples.texts == ["Great, really great", "Bad, bad"]
    assert examples.labels == [1, 0]


def test_tsv_content_polarity(tmp_path):
    path = tmp_path / "r.tsv"
    path.write_text("content\tpolarity\nlove it, truly\t1\nhate it\t0\n", encoding="utf-8")
    examples = load_file(path, Columns())
    assert examples.texts == ["love it, truly", "hate it"]
    assert examples.labels == [1, 0]


def test_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"text": [t for t, _ in ROWS], "label": [y for _, y in ROWS]}), path)
    examples = load_file(path, Columns())
    assert examples.texts == [t for t, _ in ROWS]
    assert examples.labels == [1, 0, 1]


def test_fasttext_txt(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("__label__positive great taste\n\n__label__negative stale, never again\n", encoding="utf-8")
    examples = load_file(path, Columns())
    assert examples.texts == ["great taste", "stale, never again"]
    assert examples.labels == [1, 0]


def test_txt_without_label_prefix_names_the_line(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("__label__positive great\njust a review\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.txt:2:1: expected a line starting with __label__"):
        load_file(path, Columns())


def test_rating_column_one_to_five(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("body,rating\nsuperb,5\nok,3\nbad,2\nnice,4\nterrible,1\n", encoding="utf-8")
    examples = load_file(path, Columns())
    assert examples.texts == ["superb", "bad", "nice", "terrible"]
    assert examples.labels == [1, 0, 1, 0]
    assert examples.dropped == 1


def test_column_names_are_found_case_insensitively(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Review_Text,Stars\nsuperb,5\nbad,1\n", encoding="utf-8")
    assert load_file(path, Columns()).labels == [1, 0]


def test_column_overrides(tmp_path):
    path = tmp_path / "r.csv"
    # 'text' and 'label' exist but hold the wrong things; the overrides pick the right ones
    path.write_text("text,label,words,verdict\nx,zz,love it,positive\ny,zz,awful,negative\n", encoding="utf-8")
    examples = load_file(path, Columns(text="words", label="verdict"))
    assert examples.texts == ["love it", "awful"]
    assert examples.labels == [1, 0]


def test_unknown_override_lists_columns(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("words,verdict\nlove it,positive\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_file(path, Columns(text="review"))
    message = str(caught.value)
    assert "no column 'review'" in message
    assert "words, verdict" in message
    assert caught.value.exit_code == 2


def test_undetectable_column_lists_columns(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("words,verdict\nlove it,positive\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"cannot tell which column holds the text. Its columns are: words, verdict"):
        load_file(path, Columns())


def test_unknown_file_type(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"whatever")
    with pytest.raises(UsageError, match=r"unknown file type '\.xlsx'"):
        load_file(path, Columns())


def test_folder_with_train_dev_test(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", [{"text": "good", "label": 1}, {"text": "bad", "label": 0}])
    (tmp_path / "dev.csv").write_text("text,label\nfine,positive\nawful,negative\n", encoding="utf-8")
    (tmp_path / "test.tsv").write_text("text\tlabel\nnice\tpos\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    splits = load_splits(tmp_path)
    assert sorted(splits) == ["test", "train", "validation"]
    assert splits["train"].texts == ["good", "bad"]
    assert splits["validation"].texts == ["fine", "awful"]
    assert splits["test"].texts == ["nice"]


def test_load_examples_takes_the_test_split_of_a_folder(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", [{"text": "good", "label": 1}, {"text": "bad", "label": 0}])
    write_jsonl(tmp_path / "test.jsonl", [{"text": "held out", "label": 0}])
    assert load_examples(tmp_path).texts == ["held out"]


def test_folder_validation_split_is_used_for_training(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", [{"text": f"t{i}", "label": i % 2} for i in range(6)])
    write_jsonl(tmp_path / "valid.jsonl", [{"text": "v", "label": 1}])
    train, validation = training_data([str(tmp_path)], Columns(), val_fraction=0.5, seed=1)
    assert len(train) == 6
    assert validation.texts == ["v"]


def test_folder_without_train_file(tmp_path):
    write_jsonl(tmp_path / "test.jsonl", [{"text": "x", "label": 1}])
    with pytest.raises(UsageError, match="no train file found"):
        load_splits(tmp_path)


def test_missing_path_is_usage_error(tmp_path):
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(UsageError, match="nope.jsonl: no such file or directory"):
        load_splits(str(missing))


def test_stratified_split_is_deterministic_and_keeps_both_classes():
    examples = Examples([f"review {i}" for i in range(40)], [int(i % 4 == 0) for i in range(40)])
    train_a, val_a = stratified_split(examples, 0.25, seed=7)
    train_b, val_b = stratified_split(examples, 0.25, seed=7)
    assert (train_a.texts, val_a.texts) == (train_b.texts, val_b.texts)
    assert set(val_a.labels) == {0, 1} and set(train_a.labels) == {0, 1}
    assert sorted(train_a.texts + val_a.texts) == sorted(examples.texts)
    assert len(val_a) == 10  # 25% of 10 positives and of 30 negatives, rounded: 2 + 8


def test_stratified_split_depends_on_seed():
    examples = Examples([f"review {i}" for i in range(40)], [i % 2 for i in range(40)])
    assert stratified_split(examples, 0.25, seed=1)[1].texts != stratified_split(examples, 0.25, seed=2)[1].texts


def test_training_data_from_project_file_is_stratified():
    train, validation = training_data([str(DATA / "train.jsonl")], Columns(), val_fraction=0.1, seed=13)
    assert len(train) + len(validation) == 528
    assert validation.labels.count(0) == validation.labels.count(1) == 26


def test_training_data_with_one_class_is_refused(tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [{"text": f"good {i}", "label": "positive"} for i in range(5)])
    with pytest.raises(DataError, match="only one class"):
        training_data([str(path)], Columns(), val_fraction=0.2, seed=1)


def test_invalid_json_line_gives_path_line_column(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "ok", "label": 1}\n{"text": "broken", "label": }\n', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_file(path, Columns())
    assert f"{path}:2:" in str(caught.value)
    assert "not valid JSON" in str(caught.value)


def test_invalid_json_column_of_a_truncated_line(tmp_path):
    # the column is where the line stops (25), not column 1 of the next line
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": 0\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.jsonl:2:25: not valid JSON"):
        load_file(path, Columns())


def test_non_utf8_bytes_are_replaced_with_a_warning(tmp_path, capsys):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"text": "good", "label": 1}\n{"text": "caf\xe9 bad", "label": 0}\n')
    told = []
    examples = load_file(path, Columns(), say=told.append)
    assert examples.texts == ["good", "caf\ufffd bad"]
    assert examples.labels == [1, 0]
    assert told == [f"Warning: {path}:2: not valid UTF-8; replaced 1 undecodable byte sequence(s) with \ufffd."]
    assert capsys.readouterr().err == ""  # the library tells its caller; only the CLI prints


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".tsv", ".json", ".txt"])
def test_empty_file_is_data_error(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="the file is empty"):
        load_file(path, Columns())


def test_labels_that_are_all_three_stars(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text,stars\nmeh,3\nok,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="no labelled reviews found"):
        load_file(path, Columns())


def test_hub_name_offline_is_usage_error_quickly(waits):
    with pytest.raises(UsageError) as caught:
        load_splits("reviewcli_no_such_dataset_xyz")
    assert waits == []  # quickly: no network look-up, no retry, no back-off
    assert caught.value.exit_code == 2
    assert "reviewcli_no_such_dataset_xyz: not a local file or folder" in str(caught.value)


def test_fingerprint_is_stable_and_content_sensitive():
    a = Examples(["good", "bad"], [1, 0])
    assert a.fingerprint() == Examples(["good", "bad"], [1, 0]).fingerprint()
    assert a.fingerprint() != Examples(["good", "bad"], [0, 1]).fingerprint()


def test_empty_label_cell_names_the_row(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text,label\ngood,positive\nbad,\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 2 has no value in label column 'label'"):
        load_file(path, Columns())


def test_utf8_bom_in_training_csv_is_fine(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbftext,label\ngood,positive\nbad,negative\n")
    assert load_file(path, Columns()).labels == [1, 0]


# Found by tests/test_fuzz.py: each of these raised an uncaught exception, printed a message over several
# lines, named the wrong line, or read the file silently wrong.


@pytest.mark.parametrize("label", ["[1]", '{"x": 1}'])
def test_label_that_is_a_json_list_or_object_names_the_line(tmp_path, label):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "good", "label": 1}\n{"text": "odd", "label": ' + label + "}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.jsonl:2: label .* is not a sentiment label"):  # was TypeError
        load_file(path, Columns())


@pytest.mark.parametrize(
    ("bad_line", "reason"), [("[" * 3000, "nested too deeply"), ("9" * 5000, "a number with too many digits")]
)
def test_json_lines_python_cannot_parse_are_data_errors(tmp_path, bad_line, reason):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "good", "label": 1}\n' + bad_line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"r\.jsonl:2:1: not valid JSON \({reason}\)"):  # was RecursionError/ValueError
        load_file(path, Columns())


def test_byte_order_mark_does_not_hide_the_line_that_is_wrong(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "good", "label": 1}\n{"text": "bad", "label": 0\n')
    with pytest.raises(DataError, match=r"r\.jsonl:2:27: not valid JSON"):  # was 1:1 "Unexpected UTF-8 BOM"
        load_file(path, Columns())


def test_jsonl_line_that_is_not_an_object_names_the_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "good", "label": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.jsonl:2:1: expected a JSON object"):
        load_file(path, Columns())


def test_jsonl_label_errors_name_the_line_past_blank_lines(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "a", "label": 1}\n\n{"text": "b", "label": 0}\n{"text": "c", "label": 7}\n', "utf-8")
    with pytest.raises(DataError, match=r"r\.jsonl:4: label 7 in column 'label'"):  # was "row 1: label 1"
        load_file(path, Columns())


@pytest.mark.parametrize("text", ["N/A", "NA", "null", "None", "nan", "#N/A"])
def test_csv_review_that_reads_like_a_missing_value_keeps_its_text(tmp_path, text):
    path = tmp_path / "r.csv"
    path.write_text(f"text,label\ngreat taste,positive\n{text},negative\n", encoding="utf-8")
    assert load_file(path, Columns()).texts == ["great taste", text]  # pandas made it NaN, then ""


def test_csv_label_column_of_ones_and_twos_is_two_classes_as_in_fasttext(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text,label\nawful,1\ngreat,2\n", encoding="utf-8")
    assert load_file(path, Columns()).labels == [0, 1]  # was [0, 0]: read as 1- and 2-star ratings
    fasttext = tmp_path / "r.txt"
    fasttext.write_text("__label__1 awful\n__label__2 great\n", encoding="utf-8")
    assert load_file(fasttext, Columns()).labels == [0, 1]


def test_csv_first_row_with_one_field_too_many_is_refused(tmp_path):
    # pandas took the first column as an index: "good, really,1" became the review " really"
    path = tmp_path / "r.csv"
    path.write_text("text,label\ngood, really,1\nbad,0\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.csv:2: more fields than the header's 2 names"):
        load_file(path, Columns())


def test_column_names_with_line_breaks_keep_the_message_one_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('"re\nview",label\ngood,1\n', encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_file(path, Columns())
    assert str(caught.value).startswith(f"{path}: cannot tell which column holds the text")
    assert "'re\\nview'" in str(caught.value) and len(str(caught.value).splitlines()) == 1


def test_fasttext_byte_order_mark_and_tab_after_the_label(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(b"\xef\xbb\xbf__label__positive great\n__label__negative\tstale\n")
    examples = load_file(path, Columns())  # was "r.txt:1:1: expected a line starting with __label__"
    assert (examples.texts, examples.labels) == (["great", "stale"], [1, 0])


def test_fasttext_label_error_names_the_line(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("__label__positive great\n\n__label__meh so-so\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.txt:3: label 'meh'"):  # was "row 2"
        load_file(path, Columns())


@pytest.mark.parametrize(
    ("content", "message"),
    [(" \n\n", "the file is empty"), ("text,label\n", "holds no reviews, only a header")],
)
def test_blank_and_header_only_files_say_so(tmp_path, content, message):
    path = tmp_path / "r.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=f"r\\.csv: {message}"):  # was 'Instruction "train" corresponds to no data!'
        load_file(path, Columns())


@pytest.mark.parametrize(
    "content, where",
    [
        ("null\n", "1:1: expected a JSON object such as"),
        ('\n{"text": "a", "label": 1}\r\n null \r\n', "3:1: expected a JSON object such as"),
        ("nullnull\n", "1:5: not valid JSON"),  # found by bench/faults.py: null then anything crashed it too
        ('null}__label__ bad}"a,b",1\n', "1:5: not valid JSON"),
    ],
)
def test_json_null_line_is_a_data_error_not_a_crash(tmp_path, content, where):
    """pyarrow's JSON reader crashed the process (segmentation fault) on a file starting with null; in a
    subprocess, so that a crash fails this test and not the whole run."""
    import subprocess
    import sys

    path = tmp_path / "r.jsonl"
    path.write_text(content, encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from reviewcli.io.data import Columns, load_file; from reviewcli.core.errors "
        "import DataError\ntry:\n    load_file(Path(sys.argv[1]), Columns())\nexcept DataError as e:\n    print(e)"
    )
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])
    assert done.stdout.startswith(f"{path}:{where}"), done.stdout
