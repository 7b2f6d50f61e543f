"""What a result shows of its text: a short excerpt around the first matching word, and its
title, with the matching words marked. The text is escaped first and the marks added around
escaped words, so that nothing typed in a request or a file becomes markup."""

from __future__ import annotations

import re
from itertools import islice

from markupsafe import Markup, escape

from extranet.search.query import Query, fold, stem

TOKEN_RE = re.compile(r"(\w+)")
EXCERPT_WORDS = 30  # words shown around the first match


def _matcher(query: Query):
    stems = query.stems()
    prefix = query.prefix
    seen: dict[str, bool] = {}  # a text repeats its words: each folded and stemmed once

    def matches(word: str) -> bool:
        found = seen.get(word)
        if found is None:
            folded = fold(word)
            found = seen[word] = stem(folded) in stems or bool(prefix and folded.startswith(prefix))
        return found

    return matches


def highlight(text: str, query: Query, matches=None) -> Markup:
    """``text`` escaped, its matching words in <mark>. The text between two marks is escaped
    at once: escaping it word by word cost a result's excerpt a millisecond."""
    matches = matches or _matcher(query)
    text = text or ""
    out = []
    done = 0
    for word in TOKEN_RE.finditer(text):
        if matches(word.group()):
            out += [escape(text[done:word.start()]), Markup("<mark>%s</mark>") % word.group()]
            done = word.end()
    out.append(escape(text[done:]))
    return Markup("").join(out)


def _first_match(text: str, query: Query, matches) -> int | None:
    """Where the first word of ``text`` that ``matches`` begins. The words are not read one by
    one (a long file's text is 30,000 of them, 140 ms through ``matches``): a pattern finds
    the places where a word begins like one of the query's stems, their accents ignored, and
    only those words are checked."""
    beginnings = {term[:4] for term in query.stems() | ({query.prefix} if query.prefix else set())}
    if not beginnings:
        return None
    pattern = "|".join("".join(_ACCENTED.get(c, re.escape(c)) for c in term) for term in sorted(beginnings))
    # In lower case, read as is: five times quicker than ignoring case, when it keeps positions.
    lower = text.lower()
    haystack, flags = (lower, 0) if len(lower) == len(text) else (text, re.IGNORECASE)
    for found in re.finditer(pattern, haystack, flags):  # a word boundary in the pattern costs twice
        at = found.start()
        if (at == 0 or not TOKEN_RE.match(text, at - 1)) and matches(TOKEN_RE.match(text, at).group(1)):
            return at
    return None


# A folded letter and the letters that fold to it (``query.fold``), as a pattern.
_ACCENTED = {base: f"[{base}{others}]" for base, others in {
    "a": "àâäáãå", "c": "ç", "e": "éèêë", "i": "îïíì", "o": "ôöóòõ", "u": "ùûüú", "y": "ÿý", "n": "ñ"}.items()}


def excerpt(text: str, query: Query, words: int = EXCERPT_WORDS) -> Markup:
    """About ``words`` words of ``text`` around its first match (its beginning when nothing
    matches, a name's match for instance), highlighted, with an ellipsis where it was cut.
    Only the words around the match are read: a file's text may be long."""
    if not text or text.isspace():
        return Markup("")
    matches = _matcher(query)
    at = _first_match(text, query, matches)
    start = 0
    if at is not None:
        before = list(TOKEN_RE.finditer(text, max(0, at - 60 * words), at))[-(words // 3):] if words // 3 else []
        start = before[0].start() if before else at
    shown = list(islice(TOKEN_RE.finditer(text, start), words + 1))
    end = shown[words - 1].end() if len(shown) > words else len(text)
    if text[:start].isspace() or not text[:start]:
        start = 0
    cut = highlight(" ".join(text[start:end].split()), query, matches)
    more = text[end:] and not text[end:].isspace()
    return Markup("").join([Markup("… ") if start else Markup(""), cut, Markup(" …") if more else Markup("")])
