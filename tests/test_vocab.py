"""reviewcli.core.vocab: building, ordering and encoding."""

import pytest

from reviewcli.core.vocab import PAD, UNK, Vocabulary

DOCS = [["b", "a", "c", "a"], ["c", "d", "a"], ["e", "b"]]  # a:3, b:2, c:2, d:1, e:1


def test_pad_and_unk_stay_first_and_single_however_frequent_the_words():
    from reviewcli.core.text import tokenize

    docs = [tokenize("<pad> <unk> pad unk")] + [["the"]] * 50  # tokenize splits the markers into < pad >
    vocab = Vocabulary.build(docs, max_vocab=7)
    assert vocab.tokens == [PAD, UNK, "the", "<", ">", "pad", "unk"]
    assert len(set(vocab.tokens)) == len(vocab.tokens)
    assert vocab.encode([PAD, UNK, "the", "pad", "<", "zzz"]) == [0, 1, 2, 5, 3, 1]


def test_literal_pad_and_unk_tokens_in_the_corpus_are_not_added_again():
    vocab = Vocabulary.build([[PAD, PAD, UNK, "a", PAD]])
    assert vocab.tokens == [PAD, UNK, "a"]
    assert vocab.encode([PAD, UNK]) == [0, 1]


def test_frequency_order_ties_alphabetical():
    assert Vocabulary.build(DOCS).tokens == [PAD, UNK, "a", "b", "c", "d", "e"]


def test_order_does_not_depend_on_input_order():
    assert Vocabulary.build(list(reversed(DOCS))).tokens == Vocabulary.build(DOCS).tokens


def test_min_freq():
    assert Vocabulary.build(DOCS, min_freq=2).tokens == [PAD, UNK, "a", "b", "c"]


def test_max_vocab_counts_pad_and_unk():
    vocab = Vocabulary.build(DOCS, max_vocab=4)
    assert vocab.tokens == [PAD, UNK, "a", "b"]
    assert len(vocab) == 4


def test_unknown_words_map_to_one():
    vocab = Vocabulary.build(DOCS)
    assert vocab.encode(["a", "zzz", "e", "<nope>"]) == [2, 1, 6, 1]


def test_to_list_round_trip():
    vocab = Vocabulary.build(DOCS)
    again = Vocabulary(vocab.to_list())
    assert again.tokens == vocab.tokens and again.index == vocab.index


def test_vocabulary_must_start_with_pad_and_unk():
    with pytest.raises(ValueError, match="<pad> and <unk>"):
        Vocabulary(["a", "b"])


def test_extended_keeps_every_id_and_appends_missing_words_by_frequency():
    base = Vocabulary.build([["good", "bad"]])
    wider = base.extended([["bad", "stale", "stale", "soggy", "rare"]], min_freq=1)
    assert wider.tokens[: len(base)] == base.tokens
    assert wider.tokens[len(base) :] == ["stale", "rare", "soggy"]
    assert base.extended([["bad", "stale", "stale", "soggy"]], min_freq=2).tokens[len(base) :] == ["stale"]
