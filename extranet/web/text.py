"""Text that people typed, shown as HTML: escaped, its line breaks kept, its web addresses links.

One filter for every place free text is shown (``{{ req.description|text }}``), so that the
escaping and the rules for links live in one place and are tested once.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Only addresses that start with http://, https:// or www. become links: any other scheme
# (javascript:, data:, vbscript:, file:…) stays text whatever the surrounding characters.
# \b stops "xhttps://" or "awww." from starting a match inside a word.
_ADDRESS = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
# What ends a sentence rather than an address: "See https://example.org." links without the dot.
_TRAILING = ".,;:!?»…'\""
_BRACKETS = {")": "(", "]": "[", "}": "{"}
_HOST = re.compile(r"^(?:https?://|www\.)[\w-]", re.IGNORECASE)


def _trim(address: str) -> tuple[str, str]:
    """Split what belongs to the address from the punctuation that follows it.

    A closing bracket stays when the address opened it (https://fr.wikipedia.org/wiki/Coop_(x)),
    and goes when it closes the sentence's own bracket ("(see https://example.org)")."""
    end = len(address)
    while end:
        last = address[end - 1]
        unopened = last in _BRACKETS and address.count(last, 0, end) > address.count(_BRACKETS[last], 0, end)
        if last not in _TRAILING and not unopened:
            break
        end -= 1
    return address[:end], address[end:]


def _link(address: str) -> Markup:
    href = address if "://" in address else "https://" + address
    return Markup('<a href="{}" rel="noopener noreferrer nofollow">{}</a>').format(href, address)


def text_to_html(value) -> Markup:
    """``value`` escaped, with ``<br>`` for its line breaks and links for its web addresses.

    Markup is returned as it is: it is already HTML (escaping it again would show its tags)."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    parts: list[str] = []
    position = 0
    for match in _ADDRESS.finditer(text):
        address, _punctuation = _trim(match.group())  # the punctuation stays text
        if not _HOST.match(address):  # "https://" alone, "www." alone: nothing to open
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(_link(address))
        position = match.start() + len(address)
    parts.append(escape(text[position:]))
    return Markup("").join(parts).replace("\n", Markup("<br>\n"))
