"""Fuzzing with hypothesis: the readers of train/evaluate (data.load_file) and predict (inputs.read_reviews),
the tokenizer, and the CLI on generated files.

The property for every reader: an input either gives results, or raises a ReviewCliError whose message is one
line, starts with the file's path and, where it names a line (path:N), names one the file has. Anything else
(a traceback, a message of two lines or more) is a bug. The examples are derandomized, so CI runs the same ones
every time; `datasets` takes 50-100 ms a file, which is what the example counts are sized for.
"""

import csv
import io
import itertools
import json
import re

import pytest
from conftest import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewcli.core.errors import ReviewCliError
from reviewcli.core.text import tokenize
from reviewcli.io.data import Columns, load_file
from reviewcli.io.inputs import DecodeReport, read_reviews

FUZZ = settings(
    derandomize=True, database=None, deadline=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
NAMES = itertools.count()  # a fresh file name per example: datasets caches a file by path and mtime

# --- what goes into the files ---------------------------------------------------------------------------------

ODD_TEXT = st.one_of(
    st.text(max_size=12),  # any characters a UTF-8 file can hold
    st.sampled_from([
        "great taste", "N/A", "null", "NaN", "", " ", "a,b", 'say "hi"', "line\nbreak", "tab\there", "cr\rhere",
        "nul\x00byte", "\ufeffbom", "line\u2028separator", "👍🏽", "__label__positive x", "{", "[1]", "1", "-1", "3",
    ]),
)  # fmt: skip
LABEL = st.one_of(
    st.sampled_from(["positive", "negative", "POS", "neg", "true", "False", "yes", "1", "0", "2", "-1", "3", "4.0",
                     "5", "", " ", "maybe", "1e400"]),
    st.integers(-2, 6), st.integers(), st.floats(), st.booleans(), st.none(),
    st.lists(st.integers(0, 2), max_size=2), st.dictionaries(st.just("x"), st.integers(0, 1), max_size=1),
)  # fmt: skip
KEY = st.sampled_from(["text", "label", "review", "rating", "stars", "sentiment", "id", "Text", "", "te\nxt", "label "])
RECORD = st.dictionaries(KEY, st.one_of(ODD_TEXT, LABEL), max_size=4)
NEWLINE = st.sampled_from(["\n", "\r\n", "\r"])
SCHEMES = {
    "words": ["positive", "negative", "Positive", "NEG", "pos"],
    "binary": ["0", "1"],
    "true/false": ["true", "false", "True", "FALSE"],
    "polarity": ["1", "2"],
    "stars": ["1", "2", "3", "4", "5"],
    "signed": ["-1", "1"],
}


def mostly(good, odd, one_in: int = 10):
    return st.integers(1, one_in).flatmap(lambda n: odd if n == 1 else good)


def labels_of_a_scheme(draw):
    """Mostly the labels of one scheme, as a real file has them, now and then anything at all."""
    return mostly(st.sampled_from(SCHEMES[draw(st.sampled_from(sorted(SCHEMES)))]), LABEL.map(str), 12)


def json_label(label: str):
    return int(label) if label.lstrip("-").isdigit() else label


BROKEN_JSONL_LINE = st.one_of(
    RECORD.map(json.dumps),
    RECORD.map(lambda record: json.dumps(record)[:-1]),  # cut short
    st.sampled_from([
        "", "   ", "[1, 2]", '"just a string"', "42", "null", "{", "not json", '{"text": "a", "label": 1}{"x": 1}',
        "[" * 3000, '{"text": "a", "label": ' + "9" * 5000 + "}", '{"text": "a", "text": "b", "label": 0}',
    ]),  # fmt: skip
    st.text(max_size=20),
)
FASTTEXT_SEPARATOR = st.sampled_from([" ", " ", " ", "\t", "  ", ""])


@st.composite
def jsonl_text(draw) -> str:
    label = labels_of_a_scheme(draw)
    good = st.builds(
        lambda text, label, extra, number: {"text": text, "label": json_label(label) if number else label, **extra},
        ODD_TEXT, label, st.dictionaries(st.sampled_from(["id", "rating", "review"]), LABEL, max_size=1), st.booleans(),
    ).map(lambda record: json.dumps(record, ensure_ascii=False))  # fmt: skip
    lines = draw(st.lists(mostly(good, BROKEN_JSONL_LINE), min_size=1, max_size=8))
    return draw(NEWLINE).join(lines) + draw(st.sampled_from(["", "\n"]))


@st.composite
def table_text(draw, delimiter: str) -> str:
    label = labels_of_a_scheme(draw)
    header = draw(mostly(st.sampled_from([["text", "label"], ["review", "rating"]]), st.lists(KEY, max_size=4), 5))
    good = st.lists(ODD_TEXT, min_size=1, max_size=1).flatmap(lambda text: label.map(lambda y: [*text, y]))
    odd = st.lists(st.one_of(ODD_TEXT, LABEL.map(str)), max_size=4)
    rows = draw(st.lists(mostly(good, odd), min_size=1, max_size=8))
    newline = draw(NEWLINE)
    if draw(st.integers(0, 4)):  # well quoted
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
        return out.getvalue()
    return newline.join(delimiter.join(cells) for cells in [header, *rows])  # quotes and line breaks left bare


@st.composite
def fasttext_text(draw) -> str:
    good = st.builds("__label__{}{}{}".format, labels_of_a_scheme(draw), FASTTEXT_SEPARATOR, ODD_TEXT)
    lines = draw(st.lists(mostly(good, ODD_TEXT), min_size=1, max_size=8))
    return draw(NEWLINE).join(lines) + draw(st.sampled_from(["", "\n"]))


TEXT_OF = {".jsonl": jsonl_text(), ".csv": table_text(","), ".tsv": table_text("\t"), ".txt": fasttext_text()}
DAMAGE = st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\r", b"\n", b'"', b"\t", b"\xef\xbb\xbf"])


@st.composite
def file_bytes(draw, suffix: str) -> bytes:
    """A file of the suffix's format, often damaged: a byte-order mark, bad bytes put in, cut short; or any bytes."""
    if draw(st.integers(0, 11)) == 0:
        return draw(st.binary(min_size=1, max_size=80))
    raw = draw(TEXT_OF[suffix]).encode("utf-8")
    if draw(st.integers(0, 4)) == 0:
        raw = b"\xef\xbb\xbf" + raw
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 3]))):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(DAMAGE) + raw[at:]
    if draw(st.integers(0, 7)) == 0:
        raw = raw[: draw(st.integers(1, max(len(raw), 1)))]
    return raw


def suffix_and_bytes(suffixes):
    return st.sampled_from(suffixes).flatmap(lambda suffix: st.tuples(st.just(suffix), file_bytes(suffix)))


# --- the property ----------------------------------------------------------------------------------------------


def write(folder, suffix: str, raw: bytes):
    path = folder / f"f{next(NAMES)}{suffix}"
    path.write_bytes(raw)
    return path


def line_count(raw: bytes) -> int:
    return len(re.split(rb"\r\n|\r|\n", raw))


def assert_clean_error(error: ReviewCliError, path, raw: bytes) -> None:
    message = str(error)
    assert message.startswith(str(path)), message
    assert "\n" not in message and "\r" not in message and len(message.splitlines()) == 1, message
    line = re.match(re.escape(str(path)) + r":(\d+)", message)
    if line:
        assert 1 <= int(line.group(1)) <= line_count(raw), message


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(FUZZ, max_examples=250)
@given(suffix_and_bytes([".jsonl", ".csv", ".tsv", ".txt"]))
@pytest.mark.slow
def test_load_file_gives_examples_or_one_line_error(scratch, case):
    suffix, raw = case
    path = write(scratch, suffix, raw)
    try:
        examples = load_file(path, Columns())
    except ReviewCliError as error:
        assert_clean_error(error, path, raw)
        return
    assert len(examples.texts) == len(examples.labels) > 0
    assert all(isinstance(text, str) for text in examples.texts)
    assert set(examples.labels) <= {0, 1} and examples.dropped >= 0


FORM_OF = {".txt": "lines", ".jsonl": "jsonl", ".csv": "csv", ".tsv": "tsv"}


@settings(FUZZ, max_examples=400)
@given(suffix_and_bytes(list(FORM_OF)), st.sampled_from([None, None, "text", "review", "nope"]))
@pytest.mark.slow
def test_read_reviews_streams_or_one_line_error(scratch, case, text_column):
    suffix, raw = case
    path = write(scratch, suffix, raw)
    report = DecodeReport(str(path))
    try:
        found = list(read_reviews(str(path), report, text_column=text_column, form=FORM_OF[suffix]))
    except ReviewCliError as error:
        assert_clean_error(error, path, raw)
        return
    assert all(isinstance(review.text, str) for review in found)
    lines = raw.count(b"\n") + (1 if raw and not raw.endswith(b"\n") else 0)
    if suffix in (".txt", ".jsonl"):  # exactly one review a line, blank lines too, so output lines up with input
        assert len(found) == lines
    warning = report.warning()
    assert warning is None or len(warning.splitlines()) == 1


# --- the same reviews in every format --------------------------------------------------------------------------

# strip()ped, one line, no characters that fastText or CSV take as structure
PLAIN = st.text(st.characters(categories=["L", "N", "P", "S"], exclude_characters="\x00"), min_size=1, max_size=6)
REVIEW_TEXT = st.one_of(
    st.lists(PLAIN, min_size=1, max_size=3).map(" ".join),
    st.sampled_from(["N/A", "NA", "null", "None", "nan", "#N/A", "n/a", "-", "0", "1.50", "true", "__label__x"]),
)


@st.composite
def labelled_reviews(draw) -> list[tuple[str, str]]:
    values = SCHEMES[draw(st.sampled_from(sorted(SCHEMES)))]
    rows = draw(st.lists(st.tuples(REVIEW_TEXT, st.sampled_from(values)), min_size=1, max_size=6))
    return [("plain words here", values[0]), *rows]  # one plain review, so pandas keeps the text column as text


def outcome(path):
    try:
        examples = load_file(path, Columns())
    except ReviewCliError as error:
        return type(error).__name__
    return examples.texts, examples.labels, examples.dropped


@settings(FUZZ, max_examples=40)
@given(labelled_reviews())
@pytest.mark.slow
def test_the_same_reviews_read_the_same_in_every_format(scratch, rows):
    """JSONL, CSV, TSV and fastText text of the same reviews give the same texts, labels and 3-star count."""
    files = {}
    files[".jsonl"] = "".join(json.dumps({"text": t, "label": json_label(y)}) + "\n" for t, y in rows)
    for suffix, delimiter in ((".csv", ","), (".tsv", "\t")):
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows([("text", "label"), *rows])
        files[suffix] = out.getvalue()
    files[".txt"] = "".join(f"__label__{y} {t}\n" for t, y in rows)
    outcomes = {suffix: outcome(write(scratch, suffix, text.encode("utf-8"))) for suffix, text in files.items()}
    assert len({repr(found) for found in outcomes.values()}) == 1, outcomes
    if not isinstance(outcomes[".jsonl"], str):  # and what they give is the reviews, in order, less 3-star ones
        texts, labels, dropped = outcomes[".jsonl"]
        assert texts == [t for t, y in rows if y != "3"] and dropped == [y for _, y in rows].count("3")


# --- the tokenizer ---------------------------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates too: a str may hold them


@settings(FUZZ, max_examples=500)
@given(ANY_TEXT, ANY_TEXT)
def test_tokenize_gives_non_empty_tokens_without_whitespace(text, other):
    tokens = tokenize(text)
    assert isinstance(tokens, list)
    assert all(isinstance(token, str) and token and not any(c.isspace() for c in token) for token in tokens)
    tokenize(other)  # no state carried from one call to the next
    assert tokenize(text) == tokens
    assert tokenize(" ".join(tokens)) == tokens  # tokens read back as themselves: a vocabulary entry stays one


# --- the CLI end to end ----------------------------------------------------------------------------------------


def assert_clean_exit(result) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr
    assert not re.search(r"\w+Warning: ", result.stderr), result.stderr  # no Python warning from a library
    if result.exit_code != 0:
        errors = [line for line in result.stderr.splitlines() if not line.startswith("Warning: ")]
        assert len(errors) == 1 and errors[0].startswith("Error: "), result.stderr


@settings(FUZZ, max_examples=30)
@given(suffix_and_bytes([".jsonl", ".csv", ".tsv", ".txt"]))
def test_evaluate_on_generated_files_exits_cleanly(scratch, tiny_model, case):
    suffix, raw = case
    assert_clean_exit(invoke(["evaluate", write(scratch, suffix, raw), "--model", tiny_model, "--device", "cpu"]))


@settings(FUZZ, max_examples=40)
@given(suffix_and_bytes(list(FORM_OF)), st.sampled_from(["tsv", "jsonl", "csv"]))
def test_predict_on_generated_files_exits_cleanly(scratch, tiny_model, case, output):
    suffix, raw = case
    path = write(scratch, suffix, raw)
    result = invoke(["predict", "--input", path, "-m", tiny_model, "--device", "cpu", "-f", output])
    assert_clean_exit(result)
