"""HTML and BBCode taken out of a review before it is tokenized, each character of the result
remembering where in the review it came from.

Exports carry markup that is no part of what the reviewer said: IMDb and Amazon write `<br />`,
Steam and forums `[b]…[/b]`, `[h1]`, `[spoiler]`. Read as text, `<br />` is the tokens `<`, `br`,
`/`, `>`. Only tags with known names are taken out, so ordinary brackets stay text: "3 < 5 and
7 > 2", "I <3 it", "[sic]", "rating: [5/5]", "<i love it>" (an HTML tag's attributes must be
name=value, so a sentence in angle brackets is not a tag). Entities are decoded only when written
whole, with their semicolon ("AT&T" and "&amp" alone stay as written), and a decoded entity is
never read as markup again ("&lt;b&gt;" is the text "<b>"). Block tags (`<br>`, `<p>`, `</p>`,
`<li>`, `[h1]`, `[*]`, ...) become a line break, so the words either side stay apart; inline tags
(`<b>`, `[i]`, ...) go without a trace, as a browser draws them. The text between tags is kept.
BBCode is read only in a review that closes one of its tags (`[/b]`, `[/list]`, ...), so that
"arr[i] = 2" or "[b] for bad" alone stays as written.
"""

import html
import html.entities
import re

# Tags that start a new line when drawn; the other known tags are inline.
_HTML_BLOCK = (
    "address article aside blockquote br dd div dl dt footer h1 h2 h3 h4 h5 h6 header hr li main "
    "nav ol p pre section table tbody td tfoot th thead tr ul"
).split()
_HTML_INLINE = "a abbr b big cite code del em font i img ins kbd mark q s small span strike strong sub sup tt u".split()
_BB_BLOCK = "h1 h2 h3 h4 h5 h6 list olist \\* quote table tr td th code noparse hr center left right".split()
_BB_INLINE = "b i u s strike spoiler url img color size font sup sub".split()

_ATTRIBUTE = r"""\s+[a-zA-Z_:][-\w:.]*\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+)"""
_BB_NAMES = "|".join(_BB_BLOCK + _BB_INLINE)
_PARTS = {
    "comment": r"<!--.*?-->",
    "html": rf"</?(?P<html_name>{'|'.join(_HTML_BLOCK + _HTML_INLINE)})(?:{_ATTRIBUTE})*\s*/?>",
    "bbcode": rf"\[/?(?P<bb_name>{_BB_NAMES})(?:=[^\[\]\n]*)?\]",
    "entity": r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});",
}
_FLAGS = re.IGNORECASE | re.DOTALL
_MARKUP = re.compile("|".join(f"(?P<{kind}>{part})" for kind, part in _PARTS.items()), _FLAGS)
_NO_BBCODE = re.compile("|".join(f"(?P<{kind}>{part})" for kind, part in _PARTS.items() if kind != "bbcode"), _FLAGS)
# "arr[i]" or "[b] for bad" is not BBCode: a review is read as BBCode only where it closes a tag
_BB_CLOSING = re.compile(rf"\[/(?:{_BB_NAMES})\]", re.IGNORECASE)
_BLOCK_NAMES = {"html": set(_HTML_BLOCK), "bbcode": {name.replace("\\", "") for name in _BB_BLOCK}}


def strip_markup(text: str) -> str:
    """`text` without HTML tags, BBCode tags and HTML entities (decoded).

    >>> strip_markup("<p>I <b>love</b> it</p>[h1]10/10[/h1] Tom &amp; Jerry")
    '\\nI love it\\n\\n10/10\\n Tom & Jerry'

    The text of stripped_with_origin, without the spans (which cost more than the stripping): every
    review predict reads comes through here.
    """
    if "<" not in text and "[" not in text and "&" not in text:
        return text  # nothing markup could start with
    markup = _MARKUP if _BB_CLOSING.search(text) else _NO_BBCODE
    return markup.sub(kept_or_replaced, text)


def kept_or_replaced(match: re.Match) -> str:
    replacement = replacement_of(match)
    return match.group() if replacement is None else replacement


def stripped_with_origin(text: str) -> tuple[str, list[tuple[int, int]]]:
    """strip_markup(text), and for each of its characters the span (start, end) of `text` it
    came from: (i, i + 1) for a character kept, the whole entity for a decoded one, the whole tag
    for the line break a block tag leaves."""
    out: list[str] = []
    origin: list[tuple[int, int]] = []
    last = 0
    markup = _MARKUP if _BB_CLOSING.search(text) else _NO_BBCODE
    for match in markup.finditer(text):
        replacement = replacement_of(match)
        if replacement is None:  # an entity name HTML does not know: text as written
            continue
        out.append(text[last : match.start()])
        origin += [(i, i + 1) for i in range(last, match.start())]
        out.append(replacement)
        origin += [match.span()] * len(replacement)
        last = match.end()
    out.append(text[last:])
    origin += [(i, i + 1) for i in range(last, len(text))]
    return "".join(out), origin


def replacement_of(match: re.Match) -> str | None:
    """What one piece of markup leaves in the text; None to leave it as written."""
    if match.group("entity"):
        entity = match.group()
        # html.unescape would decode the prefix of an unknown name ("&notanentity;" -> "¬anentity;")
        if entity[1] != "#" and entity[1:] not in html.entities.html5:
            return None
        return html.unescape(entity)
    for kind, name in (("html", "html_name"), ("bbcode", "bb_name")):
        if match.groupdict().get(kind):
            return "\n" if match.group(name).lower() in _BLOCK_NAMES[kind] else ""
    return ""  # a comment
