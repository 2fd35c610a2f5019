"""reviewcli.labels: whatever a dataset calls its labels -> 1 / 0 / None."""

import pytest

from reviewcli.errors import DataError
from reviewcli.labels import detect_scheme, map_label, map_labels


def mapped(values):
    return map_labels(values, source="reviews.csv", column="label")[0]


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
    values, scheme = map_labels([1, 2, 3, 4, 5], source="s", column="rating")
    assert scheme == "stars"
    assert values == [0, 0, None, 1, 1]


def test_stars_as_strings():
    assert mapped(["5", "1", "3", "4.0"]) == [1, 0, None, 1]


def test_three_stars_dropped_and_counted_when_loading(tmp_path):
    from reviewcli.data import Columns, load_file

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
    # BUG: a column holding only 1s is read as binary, so a file of 1-star ratings becomes all positive.
    values, _ = map_labels([1, 1, 1], source="ones.csv", column="rating")
    assert values == [0, 0, 0]
