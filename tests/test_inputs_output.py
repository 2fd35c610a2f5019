"""reviewcli.io.inputs and reviewcli.io.output: reading reviews to predict, the records of predictions, and
the CLI's writer of them (reviewcli.cli.render.predictions)."""

import io
import json

import pytest

from reviewcli.cli.render.predictions import PredictionWriter
from reviewcli.core.errors import DataError, UsageError
from reviewcli.io.inputs import DecodeReport, Review, input_form, read_reviews
from reviewcli.io.output import Unscored, label_of, one_line, prediction, record_of


def reviews(path, form, text_column=None):
    report = DecodeReport(str(path))
    return list(read_reviews(str(path), report, text_column=text_column, form=form)), report


@pytest.mark.parametrize(
    ("path", "column", "form"),
    [("r.jsonl", None, "jsonl"), ("r.CSV", None, "csv"), ("r.tsv", None, "tsv"), ("r.txt", None, "lines"),
     ("-", None, None), (None, None, None), ("-", "body", None), ("notes", None, None),
     ("r.json", None, "json"), ("r.parquet", None, "parquet"), ("r.jsonl.gz", None, "jsonl"), ("r.txt.GZ", None, "lines"),
     ("r.ndjson", None, "jsonl")],
)  # fmt: skip
def test_input_form(path, column, form):
    """None: detected from the first bytes (formats.sniff)."""
    assert input_form(path, column) == form


def test_lines_keep_empty_and_final_line_without_newline(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(b"great\r\n\n   \nlast one")
    found, _ = reviews(path, "lines")
    assert [r.text for r in found] == ["great", "", "   ", "last one"]


def test_jsonl_records_and_blank_lines(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": 1, "review": "good"}\n\n{"id": 2, "review": "bad"}\n', encoding="utf-8")
    found, _ = reviews(path, "jsonl")
    assert [(r.text, r.fields) for r in found] == [("good", {"id": 1, "review": "good"}), ("", None), ("bad", {"id": 2, "review": "bad"})]


def test_jsonl_bad_line_names_line_and_column(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "ok"}\n{"text": oops}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.jsonl:2:10: not valid JSON"):
        reviews(path, "jsonl")


def test_jsonl_unknown_text_field_is_usage_error(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"body": "ok"}\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"r\.jsonl:1: no field 'comment'. Fields there: body"):
        reviews(path, "jsonl", text_column="comment")


def test_csv_rows_with_header(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('id,content\n1,"good, really"\n2,bad\n', encoding="utf-8")
    found, _ = reviews(path, "csv")
    assert [r.text for r in found] == ["good, really", "bad"]
    assert found[0].fields == {"id": "1", "content": "good, really"}


def test_csv_quoted_field_keeps_its_line_break(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('id,text\n1,"line one\nline two"\n2,bad\n', encoding="utf-8")
    found, _ = reviews(path, "csv")
    assert [r.text for r in found] == ["line one\nline two", "bad"]


def test_decode_report_counts_and_warns(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(b"fine\ncaf\xe9 and \xff\xfe\nok\n")
    found, report = reviews(path, "lines")
    assert len(found) == 3 and found[1].text.startswith("caf\ufffd")
    assert report.warning() == (
        f"Warning: {path}:2: not valid UTF-8; replaced 3 undecodable byte sequence(s) with \ufffd."
    )


def test_decode_report_silent_for_utf8():
    report = DecodeReport("<stdin>")
    assert report.decode("café 😀\n".encode()) == "café 😀\n"
    assert report.warning() is None


def test_missing_input_file(tmp_path):
    with pytest.raises(UsageError, match="nope.txt: no such file"):
        reviews(tmp_path / "nope.txt", "lines")


def test_label_threshold_is_inclusive():
    assert (label_of(0.5, 0.5), label_of(0.49, 0.5)) == ("positive", "negative")


def test_one_line_flattens_tabs_and_newlines():
    assert one_line("a\tb\nc  d\r\n") == "a b c d"


def test_record_keeps_fields_and_renames_clashes():
    record = record_of(Review("good", {"id": 3, "label": "negative", "score": 1}), prediction(0.12345678, 0.5))
    assert record == {"id": 3, "input_label": "negative", "input_score": 1, "label": "negative",
                      "probability": 0.1235, "score": 0.8765}  # fmt: skip


def test_record_of_plain_text():
    assert record_of(Review("good"), prediction(0.75, 0.5)) == {
        "text": "good", "label": "positive", "probability": 0.75, "score": 0.75}


def test_score_is_of_the_label_given_even_with_another_threshold():
    assert prediction(0.3, 0.2) == prediction(0.3, 0.2)
    assert (prediction(0.3, 0.2).label, prediction(0.3, 0.2).score) == ("positive", 0.3)
    assert (prediction(0.3, 0.5).label, round(prediction(0.3, 0.5).score, 6)) == ("negative", 0.7)
    assert prediction(None, 0.5).label is None


class Writer(PredictionWriter):
    """The CLI's writer, fed (review, probability) pairs scored at `threshold`, as commands.predict scores them."""

    def __init__(self, form, threshold, stream, *, header=False):
        super().__init__(form, stream, header=header)
        self.threshold = threshold

    def write(self, chunk):
        super().write([(review, prediction(p, self.threshold)) for review, p in chunk])


@pytest.mark.parametrize(
    ("form", "header", "expected"),
    [("tsv", False, "positive\t0.9000\t0.9000\ta, b c\n\t\t\t\n"),
     ("tsv", True, "label\tprobability\tscore\ttext\npositive\t0.9000\t0.9000\ta, b c\n\t\t\t\n"),
     ("csv", False, 'label,probability,score,text\npositive,0.9000,0.9000,"a, b\tc"\n,,,\n')],
)  # fmt: skip
def test_writer_formats_of_plain_text(form, header, expected):
    stream = io.StringIO()
    Writer(form, 0.5, stream, header=header).write([(Review("a, b\tc"), 0.9), (Review(""), None)])
    assert stream.getvalue() == expected


@pytest.mark.parametrize(
    ("form", "expected"),
    [("csv", 'id,review,stars,input_label,label,probability,score\n7,"good, really",5,x,positive,0.9000,0.9000\n'
             '8,,,,,,\n'),
     ("tsv", "id\treview\tstars\tinput_label\tlabel\tprobability\tscore\n7\tgood, really\t5\tx\tpositive\t0.9000\t0.9000\n"
             "8\t\t\t\t\t\t\n")],
)  # fmt: skip
def test_writer_keeps_input_columns_in_order_then_ours(form, expected):
    stream = io.StringIO()
    writer = Writer(form, 0.5, stream, header=True)
    writer.write([(Review("good, really", {"id": 7, "review": "good, really", "stars": 5, "label": "x"}), 0.9)])
    writer.write([(Review("", {"id": 8, "review": None}), None)])  # the first chunk's columns; missing is empty
    assert stream.getvalue() == expected


def test_writer_table_prints_one_header_across_chunks():
    stream = io.StringIO()
    writer = Writer("table", 0.5, stream)
    writer.write([(Review("great taste"), 0.9)])
    writer.write([(Review(""), None)])
    lines = stream.getvalue().splitlines()
    assert sum("P(positive)" in line for line in lines) == 1
    assert "0.9000" in stream.getvalue() and "not scored" in stream.getvalue()
    assert len({len(line) for line in lines}) == 1  # every row as wide as the header: one table


def test_writer_jsonl_unicode_not_escaped():
    stream = io.StringIO()
    Writer("jsonl", 0.5, stream).write([(Review("très bon 👍"), 0.75), (Review("  "), None)])
    first, second = stream.getvalue().splitlines()
    assert "très bon 👍" in first
    assert json.loads(first) == {"text": "très bon 👍", "label": "positive", "probability": 0.75, "score": 0.75}
    assert json.loads(second) == {"text": "  ", "label": None, "probability": None, "score": None}


def test_unscored_note_counts_empty_and_unknown():
    unscored = Unscored()
    unscored.add(["good", "", "  ", "qqq"], [0.9, None, None, None])
    unscored.add(["bad"] + ["zz"] * 6, [0.1] + [None] * 6)
    assert unscored.note() == (
        "Note: 9 of 11 reviews not scored, their label, probability and score left empty: 2 empty (reviews 2, 3), "
        "7 with too few words the model knows (reviews 4, 6, 7, 8, 9 and 2 more)."
    )
    assert Unscored().note() is None


@pytest.mark.parametrize(
    ("name", "content"),
    [("r.csv", "text,id\ngood,1\nbad,2\n"), ("r.jsonl", '{"text": "good"}\n{"text": "bad"}\n')],
)
def test_utf8_bom_at_start_of_input_file(tmp_path, name, content):
    # a byte-order mark (Excel, Notepad) is skipped, as train/evaluate skip it
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + content.encode("utf-8"))
    found, _ = reviews(path, name.split(".")[1])
    assert [r.text for r in found] == ["good", "bad"]


# Found by tests/test_fuzz.py: each raised an uncaught exception (a traceback in `predict --input`)


@pytest.mark.parametrize(
    ("bad_line", "reason"), [("[" * 3000, "nested too deeply"), ('{"text": ' + "9" * 5000 + "}", "too many digits")]
)
def test_jsonl_lines_python_cannot_parse_name_the_line(tmp_path, bad_line, reason):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "ok"}\n' + bad_line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"r\.jsonl:2:\d+: not valid JSON \(.*{reason}"):
        reviews(path, "jsonl")


def test_csv_with_carriage_return_line_endings(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b'id,text\r1,good\r2,"two\rlines"\r')  # was csv.Error: new-line character seen in unquoted field
    found, _ = reviews(path, "csv")
    assert [r.text for r in found] == ["good", "two\rlines"]


def test_csv_blank_lines_are_no_rows(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("\ntext\ngood\n\nbad\n\n", encoding="utf-8")  # the trailing blank line was a UsageError
    found, _ = reviews(path, "csv")
    assert [r.text for r in found] == ["good", "bad"]


def test_csv_field_over_the_csv_module_limit_names_the_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text\nfine\n" + "a" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.csv:3: not valid CSV \(field larger than field limit"):
        reviews(path, "csv")


def test_field_names_with_line_breaks_keep_the_message_one_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('"bo\ndy",id\ngood,1\n', encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        reviews(path, "csv")
    assert "'bo\\ndy'" in str(caught.value) and len(str(caught.value).splitlines()) == 1


def test_writer_json_is_one_array_of_the_jsonl_records():
    lines, array = io.StringIO(), io.StringIO()
    for form, stream in (("jsonl", lines), ("json", array)):
        writer = Writer(form, 0.5, stream)
        writer.write([(Review("great"), 0.75)])
        writer.write([(Review("awful"), 0.25), (Review(""), None)])
        writer.close()
    assert json.loads(array.getvalue()) == [json.loads(line) for line in lines.getvalue().splitlines()]


def test_writer_json_of_no_reviews_is_an_empty_array():
    stream = io.StringIO()
    writer = Writer("json", 0.5, stream)
    writer.close()
    assert json.loads(stream.getvalue()) == []
