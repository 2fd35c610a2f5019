"""Tokens with their character spans in the text as the user wrote it, before normalisation.

text.tokenize works on normalize(text): NFKC, lower case, plain apostrophes, invisibles dropped,
and negation split off ("didn't" -> "did n't"). Each of those can change lengths ("ﬁ" -> "fi",
"…" -> "...", an emoji's skin tone dropped), so offsets into the normalised text are not offsets
into the user's. Here the text is cut into pieces that normalise on their own (a character and its
combining marks), every normalised character remembers the piece it came from, and a token's span
is the smallest slice of the original holding all its characters.

What a span promises ("reproduces the token"): normalize(text[start:end]), with whitespace taken
out, is the token (Greek final sigma aside, see reproduces). Whitespace is inside a span only for a negation written apart ("aren 't" gives
"n't" from "n 't"). Where one original character expands to several tokens ("…" gives three ".",
"½" gives "1", "⁄", "2") their spans overlap; such a group of overlapping spans reproduces the
group's tokens joined. Offsets are Python string indices (code points).

With strip_markup, tokens are those of the text with its markup taken out (reviewcli.core.markup),
and their spans still point into the text as written: a tag gives no token, and a decoded entity's
span is the whole entity ("&amp;" for "&"), so such a span reproduces its token once decoded.
"""

import unicodedata
from dataclasses import dataclass

from reviewcli.core.markup import stripped_with_origin
from reviewcli.core.text import _NEGATION, _TOKEN, normalize, tokenize


@dataclass(frozen=True)
class Token:
    text: str  # the token as the model reads it (normalised)
    start: int  # character offsets into the original text: text[start:end]
    end: int


def token_spans(text: str, *, strip_markup: bool = False) -> list[Token]:
    """tokenize(text, strip_markup=...), each token with its span in `text`; the tokens are exactly tokenize's."""
    if strip_markup:
        stripped, origin = stripped_with_origin(text)
        found = token_spans(stripped)
        # origin[k]: the span of `text` that the stripped text's character k came from
        return [Token(t.text, origin[t.start][0], origin[t.end - 1][1]) for t in found]
    for pieces in (character_pieces(text), word_pieces(text), [(0, len(text))]):
        normalised, origin = normalise_pieces(text, pieces)
        if normalised == normalize(text):
            break
    spaced, origin = split_negation(normalised, origin)
    tokens = [span_of(match, origin) for match in _TOKEN.finditer(spaced)]
    assert [t.text for t in tokens] == tokenize(text)  # the regexes are tokenize's own; this never fails
    return tokens


def character_pieces(text: str) -> list[tuple[int, int]]:
    """(start, end) of each character with the combining marks and Hangul jamo that follow it,
    which NFKC may compose with it."""
    pieces: list[tuple[int, int]] = []
    for i, char in enumerate(text):
        if pieces and (unicodedata.combining(char) or is_trailing_jamo(char)):
            pieces[-1] = (pieces[-1][0], i + 1)
        else:
            pieces.append((i, i + 1))
    return pieces


def is_trailing_jamo(char: str) -> bool:
    """Hangul vowel and final-consonant jamo, which NFKC composes with the syllable before them."""
    return 0x1160 <= ord(char) <= 0x11FF or 0xD7B0 <= ord(char) <= 0xD7FF


def word_pieces(text: str) -> list[tuple[int, int]]:
    """Runs of non-space and of space characters: the fallback when lower() depends on a
    neighbour (Greek final sigma) or a composition crosses what character_pieces keeps apart."""
    pieces: list[tuple[int, int]] = []
    for i, char in enumerate(text):
        if pieces and char.isspace() == text[i - 1].isspace():
            pieces[-1] = (pieces[-1][0], i + 1)
        else:
            pieces.append((i, i + 1))
    return pieces


def normalise_pieces(text: str, pieces) -> tuple[str, list[tuple[int, int]]]:
    """Each piece normalised on its own and joined; origin[k]: the piece normalised character k came from."""
    parts, origin = [], []
    for start, end in pieces:
        part = normalize(text[start:end])
        parts.append(part)
        origin += [(start, end)] * len(part)
    return "".join(parts), origin


def split_negation(normalised: str, origin: list) -> tuple[str, list]:
    """tokenize's " n't" substitution, with origin kept in step: the inserted space belongs to the "n"."""
    out, kept, last = [], [], 0
    for match in _NEGATION.finditer(normalised):
        out.append(normalised[last : match.start()])
        kept += origin[last : match.start()]
        n, apostrophe, t = match.start(), match.end() - 2, match.end() - 1
        out.append(" n't")
        kept += [origin[n], origin[n], origin[apostrophe], origin[t]]
        last = match.end()
    out.append(normalised[last:])
    kept += origin[last:]
    return "".join(out), kept


def span_of(match, origin: list) -> Token:
    covered = origin[match.start() : match.end()]
    return Token(match.group(), min(s for s, _ in covered), max(e for _, e in covered))


def overlap_groups(tokens: list[Token]) -> list[list[int]]:
    """Indices of tokens in runs whose spans overlap (one "…" gives three "." with one span);
    every other token is a run of its own."""
    groups: list[list[int]] = []
    end = -1
    for i, token in enumerate(tokens):
        if groups and token.start < end:
            groups[-1].append(i)
        else:
            groups.append([i])
        end = max(end, token.end)
    return groups


def reproduces(text: str, tokens: list[Token]) -> bool:
    """Whether normalize(text[start:end]) without whitespace is the tokens joined (a group of
    overlapping spans). Greek capital sigma lowers to final "ς" or "σ" by what follows it, which a
    slice may cut off ("ΟΔΟΣ`Β"), so the two count as one letter here."""
    start, end = min(t.start for t in tokens), max(t.end for t in tokens)
    written = "".join(normalize(text[start:end]).split())
    read = "".join(t.text for t in tokens)
    return written.replace("ς", "σ") == read.replace("ς", "σ")
