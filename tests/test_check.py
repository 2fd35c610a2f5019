"""The behavioural suite itself: hand-worked labels of generated sentences, determinism, coverage, one
label per sentence, the failure pattern of a bag-of-words predictor, and the command's formats,
--out, check.json and exit codes."""

import hashlib
import json
import re
import shutil

import pytest
from conftest import invoke

from reviewcli.check import perturb, suite
from reviewcli.check.templates import CAPABILITIES, NEGATIVE, POSITIVE
from reviewcli.check.words import MILD_POSITIVE, POSITIVE_ADJECTIVES, POSITIVE_VERBS


@pytest.fixture(scope="module")
def tests():
    return suite.build()


def by_name(tests) -> dict:
    return {test.name: test for test in tests}


# --- hand-worked cases ------------------------------------------------------------------------------

# what a person would say of each sentence, worked out by reading it
HAND_WORKED = [
    ("sentiment adjectives", "This coffee is excellent.", POSITIVE),
    ("sentiment verbs", "I love this charger.", POSITIVE),
    ("negated positive", "This cereal is not excellent.", NEGATIVE),
    ("negated negative", "The coffee is not bad at all.", POSITIVE),
    ("negation with words between", "This cereal is not, in my honest opinion, wonderful.", NEGATIVE),
    ("but: the second clause counts", "I wanted to like this granola, but it was a complete disappointment.", NEGATIVE),
    ("although: the main clause counts",
     "Although the packaging was terrible, the coffee turned out to be excellent.", POSITIVE),
    ("used to, but now", "I used to hate this coffee, but now I love it.", POSITIVE),
    ("at first, but now", "At first the pasta sauce seemed dreadful, but now I think it is great.", POSITIVE),
    ("someone else's, then mine", "My friend loved this pair of boots, but I found it terrible.", NEGATIVE),
    ("what reviews say, then mine", "Other reviews call this coffee useless; I think it is brilliant.", POSITIVE),
    ("positive question, no", "Is this cereal superb? No.", NEGATIVE),
    ("negative question, no", "Was the coffee a disappointment? No.", POSITIVE),
    ("contractions", "This cereal isn't excellent.", NEGATIVE),
]  # fmt: skip


@pytest.mark.parametrize(("test", "sentence", "label"), HAND_WORKED)
def test_hand_worked_sentences_are_generated_with_their_labels(tests, test, sentence, label):
    assert (sentence, label) in by_name(tests)[test].cases


def test_an_invariance_pair_changes_only_the_brand(tests):
    assert ("This speaker is superb.", "This Peltra speaker is superb.") in by_name(tests)["a brand name"].pairs


@pytest.mark.parametrize(
    ("text", "changed"),
    [("I do not like this kettle.", "I don't like this kettle."),
     ("The phone is not great, it is bad.", "The phone isn't great, it's bad."),
     ("I can't stand this kettle.", "I cannot stand this kettle."),
     ("The kettle isn't great.", "The kettle is not great.")],
)  # fmt: skip
def test_contractions_go_one_way_or_the_other(text, changed):
    assert perturb.contraction(text) == changed


# --- the suite as a whole ---------------------------------------------------------------------------


def test_generation_is_deterministic(tests):
    assert suite.build() == tests


def test_the_sentences_are_pinned(tests):
    """The same sentences on every machine and Python version: a change to the templates changes this
    digest, and must (the suite's results before and after would not be comparable)."""
    text = "\n".join(f"{t.name}\t{a}\t{b}" for t in tests for a, b in (*t.cases, *t.pairs))
    assert hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] == "05feb5f535ce7eb0"


def test_every_capability_has_several_tests(tests):
    for capability in CAPABILITIES:
        assert len([t for t in tests if t.capability == capability]) >= 2, capability
    assert {t.capability for t in tests} == set(CAPABILITIES)
    assert all(t.n >= 50 for t in tests)
    assert 2000 <= len({s for t in tests for s in t.sentences()}) <= 5000


def test_no_sentence_has_two_labels(tests):
    seen: dict[str, str] = {}
    clashes = [text for t in tests for text, label in t.cases if seen.setdefault(text, label) != label]
    assert clashes == []


def test_invariance_variants_differ_from_their_sentence(tests):
    for test in tests:
        assert all(a != b for a, b in test.pairs), test.name


# --- a bag-of-words predictor fails where word order matters -----------------------------------------

WORDS = set(POSITIVE_ADJECTIVES) | set(MILD_POSITIVE) | set(POSITIVE_VERBS)


def bag_of_words(sentences: list[str]) -> list[float]:
    """1.0 where a sentence holds a praising word and no "not", else 0.0."""
    found = []
    for sentence in sentences:
        tokens = set(re.findall(r"[a-z]+", sentence.lower()))
        found.append(1.0 if tokens & WORDS and "not" not in tokens else 0.0)
    return found


def test_a_bag_of_words_passes_vocabulary_and_fails_negation(tests):
    result = suite.run(tests, bag_of_words)
    rates = {row["test"]: row["failure_rate"] for row in result["tests"]}
    for passed in ("sentiment adjectives", "sentiment verbs", "intensifiers", "negative question, yes", "a brand name",
                   "a neutral sentence added"):  # fmt: skip
        assert rates[passed] == 0.0, passed
    for failed in ("negated negative", "negative question, no"):  # no praising word in them at all
        assert rates[failed] == 1.0, failed
    assert 0.0 < rates["negated positive"] < 1.0  # "not" is caught, "isn't" and "don't" are not
    assert 0.0 < result["failure_rate"] < 1.0
    failures = sum(row["failures"] for row in result["tests"])
    assert result["failure_rate"] == round(failures / sum(row["n"] for row in result["tests"]), 4)


def test_failing_examples_are_real_failures(tests):
    result = suite.run(tests, bag_of_words)
    row = next(row for row in result["tests"] if row["test"] == "negated negative")
    assert len(row["examples"]) == suite.EXAMPLES
    assert all(e["expected"] == POSITIVE and e["p_positive"] == 0.0 for e in row["examples"])


# --- the command ------------------------------------------------------------------------------------


@pytest.fixture
def own_model(tiny_model, tmp_path):
    """A copy of the tiny model that a test may write check.json into."""
    return shutil.copytree(tiny_model, tmp_path / "model")


def ok(args: list):
    result = invoke(args)
    assert result.exit_code == 0, result.output
    return result


def test_check_table_shows_every_test_and_capability(tiny_model, tests):
    text = ok(["check", "-m", tiny_model, "--no-save", "-f", "table"]).stdout
    for test in tests:
        assert test.name in text
    assert "failure rate by test" in text and re.search(r"overall\s+│\s+\d+\.\d%", text)


def test_check_json_holds_every_test(tiny_model, tests):
    found = json.loads(ok(["check", "-m", tiny_model, "--no-save", "-f", "json"]).stdout)
    assert [row["test"] for row in found["tests"]] == [t.name for t in tests]
    assert list(found["capabilities"]) == list(CAPABILITIES)
    assert found["sentences"] == len({s for t in tests for s in t.sentences()})
    assert found["model"] == str(tiny_model)


def test_check_out_writes_the_file_whole(tiny_model, tmp_path):
    out = tmp_path / "results" / "check.json"
    out.parent.mkdir()
    result = ok(["check", "-m", tiny_model, "--no-save", "-o", out])  # json, from the name
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        ok(["check", "-m", tiny_model, "--no-save", "-f", "json"]).stdout
    )
    assert [p.name for p in out.parent.iterdir()] == ["check.json"]  # no temporary file left beside it


def test_check_saves_a_summary_that_info_shows(own_model):
    result = ok(["check", "-m", own_model, "-f", "json"])
    assert f"saved the summary to {own_model / 'check.json'}" in result.stderr
    saved = json.loads((own_model / "check.json").read_text(encoding="utf-8"))
    assert saved["failure_rate"] == json.loads(result.stdout)["failure_rate"]
    assert list(saved["capabilities"]) == list(CAPABILITIES)
    lines = ok(["info", "-m", own_model]).stdout.splitlines()
    assert any(re.match(r"check\s+\d+\.\d% of cases failed; [\d,]+ sentences", line) for line in lines)
    assert any(re.match(r"  negation\s+\d+\.\d%$", line) for line in lines)
    assert json.loads(ok(["info", "-m", own_model, "-f", "json"]).stdout)["check"] == saved


def test_check_quiet_and_no_save_write_nothing_else(own_model):
    result = ok(["check", "-m", own_model, "-f", "json", "--no-save", "-q"])
    assert result.stderr == ""
    assert not (own_model / "check.json").exists()
    assert "check  " in ok(["info", "-m", own_model]).stdout and "not run" in ok(["info", "-m", own_model]).stdout


def test_the_shipped_model_is_saved_only_when_asked(own_model, monkeypatch):
    monkeypatch.setattr(suite, "shipped_model_dir", lambda: own_model)
    result = suite.run(suite.build()[:1], lambda texts: [0.5] * len(texts))
    assert suite.save(own_model, result, None) is None
    assert not (own_model / "check.json").exists()
    assert suite.save(own_model, result, True) == own_model / "check.json"
    assert json.loads((own_model / "check.json").read_text(encoding="utf-8"))["tests"] == 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [(["-f", "tsv"], 2, "tsv"), (["-m", "{tmp}/nope"], 2, "no such model directory")],
)  # fmt: skip
def test_check_exit_codes(args, code, message, tmp_path):
    result = invoke(["check", *[a.format(tmp=tmp_path) for a in args]])
    assert result.exit_code == code, result.output
    assert message in result.stderr
