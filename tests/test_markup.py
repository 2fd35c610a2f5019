"""Markup taken out before tokenizing: the pure functions, explain's spans, and the commands."""

import json

import pytest
from conftest import NETWORK, invoke, near
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewcli.core.markup import strip_markup, stripped_with_origin
from reviewcli.core.spans import token_spans
from reviewcli.core.text import tokenize


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<p>I <b>love</b> it</p>", "\nI love it\n"),
        ("good<br />bad<br/>ugly<BR>end", "good\nbad\nugly\nend"),
        ("one<br /><br />two", "one\n\ntwo"),
        ('<a href="http://x.com/?a=1&amp;b=2">the shop</a>', "the shop"),
        ("<div class='x'>a</div><li>b", "\na\n\nb"),
        ("Tom &amp; Jerry &#39;n&#x27; &quot;Friends&quot;", "Tom & Jerry 'n' \"Friends\""),
        ("caf&eacute;&nbsp;ok", "café\xa0ok"),
        ("&lt;b&gt;not bold&lt;/b&gt;", "<b>not bold</b>"),  # decoded once, never read as a tag
        ("a <!-- hidden --> b", "a  b"),
        ("[b]Great[/b] game [i]really[/i] [u]fun[/u]", "Great game really fun"),
        ("[h1]Verdict[/h1]Buy it", "\nVerdict\nBuy it"),
        ("[spoiler]he dies[/spoiler]", "he dies"),
        ("[url=https://store.example/app/1]store page[/url]", "store page"),
        ("[quote=Ann]meh[/quote] agreed", "\nmeh\n agreed"),
        ("[list][*]fast[*]cheap[/list]", "\n\nfast\ncheap\n"),
        ("[table][tr][td]a[/td][/tr][/table]", "\n\n\na\n\n\n"),
    ],
)
def test_markup_is_taken_out_and_the_text_between_tags_kept(text, expected):
    assert strip_markup(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "3 < 5 and 7 > 2",  # comparisons: no tag name after "<"
        "I <3 it",
        "</3 broke my heart",
        "<i love it>",  # a known name, but "love it" is no name=value attribute
        "<spoilers ahead",  # never closed, and not a known name
        "[sic]",
        "rating: [5/5]",
        "[x] works [ ] broken",
        "arr[i] = 2 and [b] for bad",  # known BBCode names, but the review closes no BBCode tag
        "AT&T and &amp without a semicolon",
        "&notanentity; stays",
        "",
    ],
)
def test_brackets_that_are_not_markup_stay(text):
    assert strip_markup(text) == text


def test_bbcode_is_read_where_the_review_closes_a_tag():
    assert strip_markup("[b]10/10[/b] arr[i]") == "10/10 arr"


def test_origin_points_each_character_at_where_it_came_from():
    stripped, origin = stripped_with_origin("a&amp;b<br>c")
    assert stripped == "a&b\nc"
    assert origin == [(0, 1), (1, 6), (6, 7), (7, 11), (11, 12)]


def test_tokenize_strips_only_when_asked():
    assert tokenize("<b>love</b>", strip_markup=True) == ["love"]
    assert tokenize("<b>love</b>") == ["<", "b", ">", "love", "<", "/", "b", ">"]


def test_spans_of_a_marked_up_review_point_into_the_text_as_written():
    text = "<p>I <b>didn't</b> like it &amp; [i]never[/i] will</p>"
    tokens = token_spans(text, strip_markup=True)
    assert [t.text for t in tokens] == tokenize(text, strip_markup=True)
    assert [t.text for t in tokens] == ["i", "did", "n't", "like", "it", "&", "never", "will"]
    assert [text[t.start : t.end] for t in tokens] == ["I", "did", "n't", "like", "it", "&amp;", "never", "will"]


# --- the commands --------------------------------------------------------------------------------------


def probabilities(result) -> list[float]:
    assert result.exit_code == 0, result.output
    return [json.loads(line)["probability"] for line in result.stdout.splitlines()]


def test_predict_scores_a_marked_up_review_like_its_text():
    """With the shipped model, which records nothing about markup: such a model has it taken out too."""
    scored = invoke(["predict", "<p>I <b>love</b> it</p>", "I love it", "-f", "jsonl", "--device", "cpu"])
    marked, plain = probabilities(scored)
    assert marked == near(plain, NETWORK)
    kept = probabilities(invoke(["predict", "<p>I <b>love</b> it</p>", "--keep-markup", "-f", "jsonl", "--device", "cpu"]))[0]
    assert abs(kept - plain) > 0.01  # the tags read as words move the score


def test_evaluate_and_explain_take_keep_markup(tiny_model, tmp_path):
    data = tmp_path / "test.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in [
        # enough words the model knows that the kept tags (b, p) do not make the reviews unjudgeable
        {"text": "great taste, great taste, <p>great <b>taste</b></p>", "label": "positive"},
        {"text": "bad and stale, bad and stale, [b]bad[/b], stale", "label": "negative"},
    ]))  # fmt: skip
    for args in (["evaluate", data], ["explain", "<b>great</b>", "-f", "json"]):
        result = invoke([*args, "--model", tiny_model, "--device", "cpu", "--keep-markup"])
        assert result.exit_code == 0, result.output
    stripped = json.loads(invoke(["explain", "<b>great</b>", "--model", tiny_model, "-f", "json"]).stdout)
    kept = json.loads(invoke(["explain", "<b>great</b>", "--model", tiny_model, "-f", "json", "--keep-markup"]).stdout)
    assert [t["text"] for t in stripped[0]["tokens"]] == ["great"]
    assert [t["text"] for t in kept[0]["tokens"]][:3] == ["<", "b", ">"]


def test_a_model_records_whether_its_training_text_was_stripped(tiny_model):
    from reviewcli.store import artifacts

    config = artifacts.read_config(tiny_model)
    assert config["tokenizer"]["strip_markup"] is True
    assert config["train"]["strip_markup"] is True


def test_prediction_follows_what_the_model_records(tiny_model, tmp_path, monkeypatch):
    import shutil

    from reviewcli.inference.predictor import load_predictor
    from reviewcli.store import artifacts

    assert load_predictor(tiny_model, "cpu").strip_markup is True
    assert load_predictor(tiny_model, "cpu", keep_markup=True).strip_markup is False
    kept = tmp_path / "kept"
    shutil.copytree(tiny_model, kept)
    config = json.loads((kept / "config.json").read_text())
    config["tokenizer"]["strip_markup"] = False  # as `train --keep-markup` writes it
    (kept / "config.json").write_text(json.dumps(config))
    assert load_predictor(kept, "cpu").strip_markup is False
    del config["tokenizer"]["strip_markup"]  # a model made before the record: the measured default
    (kept / "config.json").write_text(json.dumps(config))
    monkeypatch.setattr(artifacts, "UNRECORDED_STRIP_MARKUP", False)
    assert load_predictor(kept, "cpu").strip_markup is False


def test_train_keep_markup_is_recorded(small_train, tmp_path):
    from conftest import TINY

    out = tmp_path / "kept"
    result = invoke(["train", small_train, *TINY, "--epochs", "1", "--out", out, "--quiet", "--keep-markup"])
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert config["tokenizer"]["strip_markup"] is False


@given(st.text(alphabet=st.sampled_from(list("<>[]/=&;#x39amp brBiuh1*\"' \nLove")), max_size=60))
@settings(max_examples=300, deadline=None)
def test_spans_stay_inside_the_text_for_any_mix_of_brackets(text):
    tokens = token_spans(text, strip_markup=True)
    assert [t.text for t in tokens] == tokenize(text, strip_markup=True)
    assert all(0 <= t.start < t.end <= len(text) for t in tokens)
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)


def test_pretraining_reads_text_without_markup_unless_kept():
    from reviewcli.training.pretraining import read_tokens

    texts = ["<p>I <b>love</b> it</p><br /><br />[b]Great[/b] blender"]
    _, (stripped,) = read_tokens(iter(texts), None)
    assert "<" not in stripped and "br" not in stripped and "[" not in stripped
    assert [t for t in stripped if t.isalpha()] == ["i", "love", "it", "great", "blender"]
    _, (kept,) = read_tokens(iter(texts), None, strip_markup=False)
    assert "br" in kept and "<" in kept


@given(st.text(alphabet=st.sampled_from(list("<>[]/=&;#x39amp brBiuh1*\"' \nLove")), max_size=60))
@settings(max_examples=300, deadline=None)
def test_the_fast_strip_gives_the_text_the_spans_come_with(text):
    """strip_markup skips the spans predict never needs; its text is stripped_with_origin's."""
    assert strip_markup(text) == stripped_with_origin(text)[0]
