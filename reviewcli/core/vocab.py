"""Vocabulary: token <-> id, built from training text only."""

from collections import Counter
from collections.abc import Iterable
from itertools import repeat

PAD = "<pad>"
UNK = "<unk>"


class Vocabulary:
    """An ordered list of tokens; index 0 is padding, index 1 the unknown token."""

    def __init__(self, tokens: list[str]):
        if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
            raise ValueError("not a list of strings")
        if tokens[:2] != [PAD, UNK]:
            raise ValueError(f"does not start with {PAD} and {UNK}")
        self.tokens = tokens
        self.index = {token: i for i, token in enumerate(tokens)}
        if len(self.index) != len(tokens):  # two ids for one word: encoding would use only the last
            twice = next(token for i, token in enumerate(tokens) if self.index[token] != i)
            raise ValueError(f"holds {twice!r} twice")
        self.pad_index = 0
        self.unk_index = 1

    def __len__(self) -> int:
        return len(self.tokens)

    @classmethod
    def build(
        cls, tokenized: Iterable[list[str]], *, min_freq: int = 1, max_vocab: int | None = None
    ) -> "Vocabulary":
        """Most frequent tokens first, ties broken alphabetically, so the same text gives the same ids."""
        counts = Counter(token for tokens in tokenized for token in tokens)
        # a corpus may hold the literal strings <pad> and <unk>; they keep their reserved ids
        kept = [t for t, n in counts.items() if n >= min_freq and t not in (PAD, UNK)]
        kept.sort(key=lambda t: (-counts[t], t))
        if max_vocab is not None:
            kept = kept[: max(0, max_vocab - 2)]
        return cls([PAD, UNK, *kept])

    def extended(self, tokenized: Iterable[list[str]], *, min_freq: int = 1) -> "Vocabulary":
        """This vocabulary, then the words of `tokenized` it lacks (at least min_freq times, in
        build's order) appended: existing ids keep their meaning."""
        new = Vocabulary.build(tokenized, min_freq=min_freq).tokens[2:]
        return Vocabulary(self.tokens + [token for token in new if token not in self.index])

    def encode(self, tokens: list[str]) -> list[int]:
        return list(map(self.index.get, tokens, repeat(self.unk_index, len(tokens))))

    def to_list(self) -> list[str]:
        return list(self.tokens)
