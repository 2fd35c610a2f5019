"""reviewcli.data: every input format, column detection, folders, splits and data errors."""

import json
import time

import pytest

from conftest import DATA, write_jsonl
from reviewcli.data import Columns, Examples, load_examples, load_file, load_splits, stratified_split, training_data
from reviewcli.errors import DataError, UsageError

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
    # BUG: diagnose() parses each line with its newline, so an error at the end of a line is reported
    # as column 1 (of the next, empty line) instead of column 25 where the object stops.
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": 0\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.jsonl:2:25: not valid JSON"):
        load_file(path, Columns())


def test_non_utf8_bytes_are_replaced_with_a_warning(tmp_path, capsys):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"text": "good", "label": 1}\n{"text": "caf\xe9 bad", "label": 0}\n')
    examples = load_file(path, Columns())
    assert examples.texts == ["good", "caf\ufffd bad"]
    assert examples.labels == [1, 0]
    err = capsys.readouterr().err
    assert f"Warning: {path}:2: not valid UTF-8; replaced 1 undecodable byte sequence(s)" in err


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


def test_hub_name_offline_is_usage_error_quickly():
    started = time.perf_counter()
    with pytest.raises(UsageError) as caught:
        load_splits("reviewcli_no_such_dataset_xyz")
    assert time.perf_counter() - started < 15
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
