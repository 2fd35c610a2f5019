"""Reviews longer than the model reads: their head and tail are read, and stderr counts what was not."""

import json

from conftest import invoke

from reviewcli.inference import batching
from reviewcli.inference.batching import Unread, truncate

FILLER = "I bought this kettle in May and have used it every day since then. " * 40  # 600 tokens
VERDICT = "It broke after a week. Terrible, waste of money, do not buy."


def test_truncate_keeps_the_head_and_the_end():
    kept = truncate(list(range(1000)), 400)
    assert kept[:100] == list(range(100)) and kept[100:] == list(range(700, 1000))


def test_the_note_counts_the_reviews_cut_and_the_tokens_not_read():
    unread = Unread(400)
    for length in (10, 401, 400, 1000, 0):
        unread.add(length)
    assert unread.note() == (
        "Note: 2 of 5 reviews are longer than the model reads (400 tokens); their middle, 601 tokens in all, was not read."
    )
    one = Unread(400)
    one.add(450)
    assert one.note() == "Note: 1 of 1 review is longer than the model reads (400 tokens); its middle, 50 tokens in all, was not read."


def test_nothing_is_said_when_every_review_is_read_whole():
    unread = Unread(400)
    unread.add(400)
    assert unread.note() is None


def scored(texts: list[str], *more) -> list[float]:
    result = invoke(["predict", *texts, "-f", "jsonl", "--device", "cpu", "--precision", "fp32", *more])
    assert result.exit_code == 0, result.output
    return [json.loads(line)["probability"] for line in result.stdout.splitlines()]


def test_the_last_line_of_a_long_review_is_read(monkeypatch):
    """The shipped model: a verdict after 600 tokens of filler moves the score; read head-only, it could not."""
    with_verdict, without = scored([FILLER + VERDICT, FILLER])
    assert without - with_verdict > 0.1  # 0.18 when written
    monkeypatch.setattr(batching, "HEAD_SHARE", 1.0)  # the control: the first 400 tokens only
    with_verdict, without = scored([FILLER + VERDICT, FILLER])
    assert with_verdict == without


def test_predict_evaluate_and_explain_say_what_was_not_read(tiny_model, tmp_path):
    long_review, short = "great " * 450, "great taste"
    expected = "Note: 1 of 2 reviews is longer than the model reads (400 tokens); its middle, 50 tokens in all, was not read."
    data = tmp_path / "test.jsonl"
    data.write_text(json.dumps({"text": long_review, "label": "positive"}) + "\n"
                    + json.dumps({"text": short, "label": "negative"}) + "\n")  # fmt: skip
    for args in (
        ["predict", long_review, short],
        ["evaluate", data, "-f", "json"],
        ["explain", long_review, short, "-f", "json"],
    ):
        result = invoke([*args, "--model", tiny_model, "--device", "cpu"])
        assert result.exit_code == 0, result.output
        notes = [line for line in result.stderr.splitlines() if line.startswith("Note:")]
        assert notes == [expected], (args, result.stderr)


def test_quiet_runs_say_nothing_of_it(tiny_model):
    result = invoke(["predict", "great " * 450, "--model", tiny_model, "--device", "cpu", "--quiet"])
    assert result.exit_code == 0 and "Note:" not in result.stderr


def test_explain_marks_the_tokens_it_did_not_read(tiny_model):
    result = invoke(["explain", "great " * 450, "--model", tiny_model, "--device", "cpu", "-f", "json"])
    tokens = json.loads(result.stdout)[0]["tokens"]
    unread = [i for i, token in enumerate(tokens) if token["attribution"] is None]
    assert unread == list(range(100, 150))  # the head of 400 // 4, then the last 300
