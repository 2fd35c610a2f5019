"""Label schemes (-1/1, 1/2, stars, words, --label-scheme), the note that reports them, and --skip-unknown-labels."""

import pytest
from conftest import TINY, invoke

from reviewcli.core.errors import DataError
from reviewcli.core.labels import map_labels
from reviewcli.io.data import Columns, load_file, training_data


def test_minus_one_and_one_are_negative_and_positive():
    read = map_labels([-1, 1, "-1", "1"], source="s", column="label")
    assert (read.labels, read.scheme, read.meaning) == ([0, 1, 0, 1], "signed", "-1 → negative, 1 → positive")


def test_zero_among_minus_ones_and_ones_is_neutral():
    read = map_labels([-1, 0, 1], source="s", column="label")
    assert (read.labels, read.neutral, read.skipped) == ([0, None, 1], 1, 0)


def test_neutral_word_is_left_out_like_three_stars():
    read = map_labels(["positive", "neutral", "negative"], source="s", column="sentiment")
    assert (read.labels, read.neutral) == ([1, None, 0], 1)


def test_label_scheme_polarity_reads_a_rating_column_of_ones_and_twos_as_classes():
    assert map_labels([1, 2], source="s", column="rating").labels == [0, 0]  # detected: 1- and 2-star reviews
    assert map_labels([1, 2], source="s", column="rating", scheme="polarity").labels == [0, 1]


def test_forced_scheme_blames_the_row_it_cannot_read():
    with pytest.raises(DataError, match=r"^s: row 2: label 3 .*--skip-unknown-labels"):
        map_labels([1, 3], source="s", column="rating", scheme="polarity")


def test_unknown_label_error_names_file_line_and_the_option(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "a", "label": "pos"}\n\n{"text": "b", "label": "meh"}\n', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_file(path, Columns())
    assert str(caught.value).startswith(f"{path}:3: label 'meh' in column 'label' is not a sentiment label.")
    assert "--skip-unknown-labels" in str(caught.value)


def test_skip_unknown_labels_counts_unknown_and_missing_ones(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text,label\ngood,1\nbad,0\nodd,7\nblank,\nwhat,meh\n", encoding="utf-8")
    examples = load_file(path, Columns(skip_unknown=True))
    assert (examples.texts, examples.labels, examples.skipped, examples.dropped) == (["good", "bad"], [1, 0], 3, 0)
    assert examples.notes() == [
        "labels: 0 → negative, 1 → positive",
        "left out 3 reviews whose label is unknown or missing (--skip-unknown-labels)",
    ]


def test_one_class_from_a_rating_column_says_how_to_read_it_as_classes(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text,rating\ngood,2\nbad,1\nnice,2\nawful,1\n", encoding="utf-8")
    with pytest.raises(
        DataError, match=r"only one class \(negative; labels: 1, 2 → negative\).*--label-scheme polarity"
    ):
        training_data([str(path)], Columns(), val_fraction=0.25, seed=1)
    train, _ = training_data([str(path)], Columns(scheme="polarity"), val_fraction=0.25, seed=1)
    assert set(train.labels) == {0, 1}


def test_train_reports_the_scheme_and_what_was_left_out(tmp_path, small_rows):
    rows = [f'"{r["text"]}",{1 if r["label"] == "positive" else -1}' for r in small_rows[:12]]
    path = tmp_path / "signed.csv"
    path.write_text("\n".join(["review,label", *rows, "meh,0", "odd,x"]) + "\n", encoding="utf-8")
    out = tmp_path / "m"
    result = invoke(["train", path, *TINY, "--epochs", "1", "--out", out, "--skip-unknown-labels"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        "labels: -1 → negative, 1 → positive, 0 → left out",
        "left out 1 neutral review (neither positive nor negative)",
        "left out 1 review whose label is unknown or missing (--skip-unknown-labels)",
    ]
    # without the option the unknown label stops the run, naming the row and the option
    refused = invoke(["train", path, *TINY, "--epochs", "1", "--out", tmp_path / "m2"])
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"Error: {path}: row 14: label 'x'") and "--skip-unknown-labels" in refused.stderr


def test_evaluate_reports_left_out_three_star_rows(tiny_model, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text,stars\ngreat,5\nmeh,3\nbad,1\nfine,3\n", encoding="utf-8")
    result = invoke(["evaluate", path, "-m", tiny_model, "-f", "tsv"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "labels: 1 → negative, 5 → positive, 3 → left out",
        "left out 2 reviews rated 3 stars (neither positive nor negative)",
    ]
    assert "left_out_neutral\t2" in result.stdout.splitlines()
