"""What a result shows of its text: a short excerpt around the first matching word, and its
title, with the matching words marked. The text is escaped first and the marks added around
escaped words, so that nothing typed in a request or a file becomes markup."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from extranet.search.query import Query, fold, stem

TOKEN_RE = re.compile(r"(\w+)")
EXCERPT_WORDS = 30  # words shown around the first match


def _matcher(query: Query):
    stems = query.stems()
    prefix = query.prefix

    def matches(word: str) -> bool:
        folded = fold(word)
        return stem(folded) in stems or bool(prefix and folded.startswith(prefix))

    return matches


def highlight(text: str, query: Query) -> Markup:
    """``text`` escaped, its matching words in <mark>."""
    matches = _matcher(query)
    parts = TOKEN_RE.split(text or "")
    out = []
    for i, part in enumerate(parts):
        if i % 2 and matches(part):
            out.append(Markup("<mark>%s</mark>") % part)
        else:
            out.append(escape(part))
    return Markup("").join(out)


def excerpt(text: str, query: Query, words: int = EXCERPT_WORDS) -> Markup:
    """About ``words`` words of ``text`` around its first match (its beginning when nothing
    matches, a name's match for instance), highlighted, with an ellipsis where it was cut."""
    text = " ".join((text or "").split())
    if not text:
        return Markup("")
    matches = _matcher(query)
    tokens = list(TOKEN_RE.finditer(text))
    first = next((i for i, t in enumerate(tokens) if matches(t.group(1))), 0)
    start_token = max(0, first - words // 3)
    end_token = min(len(tokens), start_token + words)
    start = tokens[start_token].start() if tokens and start_token else 0
    end = tokens[end_token - 1].end() if tokens and end_token < len(tokens) else len(text)
    cut = highlight(text[start:end], query)
    return Markup("").join([Markup("… ") if start else Markup(""), cut, Markup(" …") if end < len(text) else Markup("")])
