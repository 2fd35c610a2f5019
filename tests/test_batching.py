"""reviewcli.inference.batching: encoding, truncation, bucketing and padding."""

import random

import pytest

from reviewcli.core.vocab import Vocabulary
from reviewcli.inference.batching import batches, bucketed_order, collate, encode, encode_tokens, truncate

VOCAB = Vocabulary.build([["great", "taste", "bad"]])


def test_encode_known_and_unknown():
    assert encode("Great taste, qqq", VOCAB, 10) == [VOCAB.index["great"], VOCAB.index["taste"], 1, 1]


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_review_is_one_unknown_token(text):
    assert encode(text, VOCAB, 10) == [VOCAB.unk_index]
    assert encode_tokens([], VOCAB, 10) == [1]


def test_truncate_keeps_a_quarter_head_and_the_tail():
    ids = list(range(100))
    kept = truncate(ids, 8)
    assert kept == [0, 1, 94, 95, 96, 97, 98, 99]
    assert truncate(ids[:5], 8) == ids[:5]
    assert truncate(ids, 1) == [99]


def test_bucketed_order_inference_longest_first_covers_all():
    lengths = [3, 9, 1, 7, 5]
    order = bucketed_order(lengths, 2)
    assert order == [[1, 3], [4, 0], [2]]


def test_bucketed_order_training_is_seeded_and_complete():
    lengths = [random.Random(0).randint(1, 50) for _ in range(300)]
    a = bucketed_order(lengths, 16, random.Random(5))
    b = bucketed_order(lengths, 16, random.Random(5))
    assert a == b
    assert sorted(i for batch in a for i in batch) == list(range(300))
    assert all(len(batch) <= 16 for batch in a)


def test_collate_pads_with_pad_index():
    ids, lengths = collate([[5, 6, 7], [8]], pad_index=0)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert lengths.tolist() == [3, 1]


def test_batches_carry_indices_and_labels():
    encoded = [[2], [2, 3, 4], [3, 4]]
    out = list(batches(encoded, [1, 0, 1], 2, 0))
    assert [indices for indices, *_ in out] == [[1, 2], [0]]
    assert out[0][3].tolist() == [0.0, 1.0]
    assert list(batches(encoded, None, 8, 0))[0][3] is None
