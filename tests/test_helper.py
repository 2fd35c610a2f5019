"""inference.helper: long inputs tokenized in a helper process give what tokenizing here gives, and
whatever happens to the helper, predict's output stays the same."""

import json

import pytest

from reviewcli.inference import helper as helper_module
from reviewcli.inference.helper import Helper
from reviewcli.inference.predictor import Predictor

TEXTS = [
    "great taste, would buy again",
    "",
    "<p>Stale &amp; <b>soggy</b></p> [spoiler]never again[/spoiler]",
    "Ｆｕｌｌ-width and ﬁne didn\u2019t like it 👎🏽",
    "!!!",
    "Das ist wirklich schlecht",
    "great taste and " * 300 + "but the end was stale",
]


def test_the_helper_prepares_what_reading_here_prepares(predictor):
    helper = Helper(predictor.reading)
    try:
        found = [helper.submit(TEXTS[i:]).result(timeout=60) for i in range(3)]
    finally:
        helper.close()
    assert found == [predictor.reading(TEXTS[i:]) for i in range(3)]
    assert helper.process.poll() is not None  # closing it ended it


def scored(tiny_model, path, **options):
    from reviewcli import commands

    found = commands.predict([], input_path=str(path), model_dir=tiny_model, text_column=None, chunk_size=3, **options)
    rows = [(review.text, result) for chunk in found.chunks for review, result in chunk]
    return rows, found.warnings()


@pytest.fixture
def reviews_file(tmp_path):
    path = tmp_path / "reviews.jsonl"
    texts = TEXTS * 3
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    return path


@pytest.fixture
def submitted(monkeypatch):
    """How many lists of texts went to a helper; helpers are used whatever the cores."""
    count = []
    original = Helper.submit

    def counting(self, texts):
        count.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(Helper, "submit", counting)
    monkeypatch.setattr(Predictor, "reads_apart", lambda self: True)
    return count


def in_process(tiny_model, path, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(Predictor, "reads_apart", lambda self: False)
        return scored(tiny_model, path)


def test_predict_tokenizes_from_the_second_chunk_in_a_helper_with_the_same_results(
    tiny_model, reviews_file, submitted, monkeypatch
):  # fmt: skip
    expected = in_process(tiny_model, reviews_file, monkeypatch)
    assert scored(tiny_model, reviews_file) == expected
    assert submitted == [3] * 6  # 21 reviews in chunks of 3: every chunk but the first
    rows, notes = expected
    assert [text for text, _ in rows] == TEXTS * 3
    assert any("not scored" in note for note in notes) and any("longer than the model reads" in note for note in notes)


def test_a_helper_that_cannot_start_leaves_tokenizing_here(tiny_model, reviews_file, submitted, monkeypatch):
    expected = in_process(tiny_model, reviews_file, monkeypatch)
    monkeypatch.setattr(helper_module.sys, "executable", str(reviews_file.parent / "no-such-python"))
    assert scored(tiny_model, reviews_file) == expected
    assert len(submitted) == 6


def test_a_helper_killed_midway_leaves_tokenizing_here(tiny_model, reviews_file, submitted, monkeypatch):
    expected = in_process(tiny_model, reviews_file, monkeypatch)
    original = Helper.submit

    def killing(self, texts):
        if len(submitted) == 3:
            self.process.kill()
            self.process.wait()
        return original(self, texts)

    monkeypatch.setattr(Helper, "submit", killing)
    assert scored(tiny_model, reviews_file) == expected


def test_one_chunk_starts_no_helper(tiny_model, tmp_path, submitted):
    path = tmp_path / "few.txt"
    path.write_text("great\nawful\n", encoding="utf-8")
    rows, _ = scored(tiny_model, path)
    assert len(rows) == 2 and submitted == []


def test_one_scoring_thread_reads_in_process(predictor):
    """With one core for scoring (OMP_NUM_THREADS=1, REVIEWCLI_THREADS=1) a helper would only take
    its time: none is started; with two it is."""
    import torch

    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert predictor.reads_apart() is False
        torch.set_num_threads(2)
        assert predictor.reads_apart() is True
    finally:
        torch.set_num_threads(threads)
