"""Review text -> tokens: markup out (when asked), NFKC, lower case, words, numbers, punctuation and
emoji, negation kept."""

import re
import unicodedata

from reviewcli.core import markup

# Apostrophe look-alikes that NFKC leaves alone.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# Joiners, variation selectors and skin-tone modifiers carry no meaning on their own; dropping them keeps an emoji
# one token whether or not the writer's keyboard added them.
_INVISIBLE = dict.fromkeys([0x200B, 0x200D, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)], None)

# "didn't" and the pre-tokenized "didn 't" both become "did n't", so negation is its own token.
_NEGATION = re.compile(r"(?<=\w)n ?'t\b")
_TOKEN = re.compile(
    r"n't"  # negation split off above
    r"|'(?:s|re|ve|ll|d|m)\b"  # other contractions: "you're" -> "you", "'re"
    r"|[^\W_]+"  # a run of letters and digits (any script)
    r"|[^\s]"  # anything else visible: one punctuation mark or emoji per token
)


def normalize(text: str) -> str:
    """Unicode NFKC, lower case, plain apostrophes, no invisible joiners."""
    text = unicodedata.normalize("NFKC", text).lower()
    if text.isascii():  # most reviews: of both tables only the backtick is ASCII, and str.translate is slow
        return text.replace("`", "'")
    return text.translate(_APOSTROPHES).translate(_INVISIBLE)


def tokenize(text: str, *, strip_markup: bool = False) -> list[str]:
    """Split a review into tokens; deterministic and pure. strip_markup: HTML and BBCode tags and
    HTML entities out first (reviewcli.core.markup), as every model trained since it was added reads.

    >>> tokenize("Didn't LOVE it... 2 stars 👎")
    ['did', "n't", 'love', 'it', '.', '.', '.', '2', 'stars', '👎']
    >>> tokenize("<p>I <b>love</b> it</p>", strip_markup=True)
    ['i', 'love', 'it']
    """
    if strip_markup:
        text = markup.strip_markup(text)
    return _TOKEN.findall(_NEGATION.sub(" n't", normalize(text)))
