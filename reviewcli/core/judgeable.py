"""Whether the model can judge a review: enough of its words are words the vocabulary knows.

A review in another language, or of symbols only, would otherwise get a confident label from the few
tokens the model happens to know ("!!!" is positive 0.73). Measured in docs/experiments/unscorable.md."""

from collections.abc import Container


def is_word(token: str) -> bool:
    """A token with a letter or digit in it; punctuation and emoji are not words."""
    return any(character.isalnum() for character in token)


def known_words(tokens: list[str], known: Container[str]) -> tuple[int, int]:
    """(word tokens the vocabulary knows, word tokens)."""
    words = [token for token in tokens if is_word(token)]
    return sum(1 for token in words if token in known), len(words)


def judgeable(tokens: list[str], known: Container[str], share: float) -> bool:
    """At least one known word, and known words at least `share` of the words."""
    found, words = known_words(tokens, known)
    return found > 0 and found >= share * words
