"""reviewcli.core.labels: whatever a dataset calls its labels -> 1 / 0 / None."""

import pytest

from reviewcli.core.errors import DataError
from reviewcli.core.labels import detect_scheme, map_label, map_labels


def mapped(values):
    return map_labels(values, source="reviews.csv", column="label").labels


@pytest.mark.parametrize("values", [["positive", "negative"], ["Positive", "NEGATIVE"], [" pos ", "Neg"]])
def test_words_any_case(values):
    assert mapped(values) == [1, 0]


def test_pos_neg():
    assert mapped(["pos", "neg", "POS"]) == [1, 0, 1]


@pytest.mark.parametrize("values", [[1, 0], ["1", "0"], [1.0, 0.0], [True, False]])
def test_binary(values):
    assert mapped(values) == [1, 0]
    assert detect_scheme(values) == "binary"


@pytest.mark.parametrize("values", [["true", "false"], ["True", "FALSE"], ["yes", "no"]])
def test_true_false_words(values):
    assert mapped(values) == [1, 0]


def test_stars_one_to_five():
    mapped_column = map_labels([1, 2, 3, 4, 5], source="s", column="rating")
    assert mapped_column.scheme == "stars"
    assert mapped_column.labels == [0, 0, None, 1, 1]
    assert mapped_column.meaning == "1, 2 → negative, 4, 5 → positive, 3 → left out"


def test_stars_as_strings():
    assert mapped(["5", "1", "3", "4.0"]) == [1, 0, None, 1]


def test_three_stars_dropped_and_counted_when_loading(tmp_path):
    from reviewcli.io.data import Columns, load_file

    path = tmp_path / "r.csv"
    path.write_text("text,rating\ngreat,5\nmeh,3\nawful,1\nfine,3\ngood,4\n", encoding="utf-8")
    examples = load_file(path, Columns())
    assert examples.texts == ["great", "awful", "good"]
    assert examples.labels == [1, 0, 1]
    assert examples.dropped == 2


def test_unknown_label_names_the_row():
    with pytest.raises(DataError) as caught:
        mapped(["positive", "negative", "meh"])
    message = str(caught.value)
    assert "reviews.csv" in message
    assert "row 3" in message
    assert "'meh'" in message
    assert "--label-column" in message


def test_missing_label_names_the_row():
    with pytest.raises(DataError, match="row 2 has no value in label column 'label'"):
        mapped(["positive", None])


def test_unknown_word_raises_value_error():
    with pytest.raises(ValueError):
        map_label("maybe", "words")


def test_rating_column_of_only_one_star_reviews_is_negative():
    assert map_labels([1, 1, 1], source="ones.csv", column="rating").labels == [0, 0, 0]


# Found by tests/test_fuzz.py


@pytest.mark.parametrize("odd", [[1], {"x": 1}])
def test_unhashable_label_is_a_data_error(odd):
    with pytest.raises(DataError, match=r"row 2: label .* is not a sentiment label"):  # was TypeError
        mapped(["positive", odd])


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_label_is_a_missing_label(blank):
    with pytest.raises(DataError, match="row 2 has no value in label column 'label'"):
        mapped(["positive", blank])


def test_ones_and_twos_are_classes_except_in_a_rating_column():
    assert map_labels([1, 2, 2], source="s", column="label")[:2] == ([0, 1, 1], "polarity")
    assert map_labels(["2", "1"], source="s", column="__label__")[:2] == ([1, 0], "polarity")
    assert map_labels([1, 2], source="s", column="stars")[:2] == ([0, 0], "stars")


def test_error_blames_the_value_that_no_scheme_reads():
    with pytest.raises(DataError, match=r"row 3: label 7 "):  # was "row 1: label 1"
        mapped([1, 0, 7, 1])


def test_line_of_puts_the_line_in_the_message():
    with pytest.raises(DataError, match=r"^r\.txt:9: label 'meh'"):
        map_labels(["pos", "meh"], source="r.txt", column="__label__", line_of=lambda row: row + 7)


def test_long_label_is_cut_short_in_the_message():
    with pytest.raises(DataError) as caught:
        mapped(["positive", "x" * 500])
    assert len(str(caught.value)) < 300
