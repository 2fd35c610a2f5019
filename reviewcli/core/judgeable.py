"""Whether the model can judge a review: enough of its words are words the vocabulary knows.

A review in another language, or of symbols only, would otherwise get a confident label from the few
tokens the model happens to know ("!!!" is positive 0.73). Measured in docs/experiments/unscorable.md."""

from collections.abc import Container


def is_word(token: str) -> bool:
    """A token with a letter or digit in it; punctuation and emoji are not words."""
    return any(character.isalnum() for character in token)


def known_words(tokens: list[str], known: Container[str]) -> tuple[int, int]:
    """(word tokens the vocabulary knows, word tokens)."""
    found = words = 0
    for token in tokens:
        # str.isalnum answers most tokens (whole words; single punctuation marks) at C speed:
        # this check took a fifth of `predict`'s time over a file when each token went to is_word
        if token.isalnum() or (len(token) > 1 and is_word(token)):
            words += 1
            found += token in known
    return found, words


def judgeable(tokens: list[str], known: Container[str], share: float) -> bool:
    """At least one known word, and known words at least `share` of the words."""
    found, words = known_words(tokens, known)
    return found > 0 and found >= share * words


class Judge:
    """judgeable() for one vocabulary, from a review's tokens and the ids the vocabulary gave them:
    which known ids are words is worked out once, so only unknown tokens are looked at one by one
    (the same answers as judgeable; a fifth of `predict`'s time over a file went to that check)."""

    def __init__(self, tokens: list[str], unk_index: int, share: float):
        self.word = [int(is_word(token)) for token in tokens]  # per id: whether its token is a word
        self.word[unk_index] = 0
        self.unk_index, self.share = unk_index, share

    def __call__(self, tokens: list[str], ids: list[int]) -> bool:
        found = words = sum(map(self.word.__getitem__, ids))
        if self.unk_index in ids:
            unk = self.unk_index
            words += sum(1 for token, i in zip(tokens, ids) if i == unk and (token.isalnum() or is_word(token)))
        return found > 0 and found >= self.share * words
