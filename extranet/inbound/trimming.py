"""What a person wrote in a reply, without what their mail program added: the quoted history
(``>`` lines, « Le … a écrit : », "On … wrote:", Outlook's "From:" block) and the signature."""

from __future__ import annotations

import re

# The line a mail program writes above the history it quotes, in French and English; some
# programs break it over two lines, so it is looked for in a line and the next one joined.
_ATTRIBUTION = re.compile(r"^\s*(le\s.+\sa\s+écrit\s*:|on\s.+\swrote\s*:)\s*$", re.IGNORECASE | re.DOTALL)
# Outlook's history: a separator or a block of headers starting with From/De.
_OUTLOOK = re.compile(r"^\s*(-{2,}\s*(original message|message d'origine)\s*-{2,}|_{10,})\s*$", re.IGNORECASE)
_HEADER_BLOCK = re.compile(r"^\s*\*?(from|de)\s*\*?\s*:", re.IGNORECASE)
_NEXT_HEADER = re.compile(r"^\s*\*?(sent|envoyé|date|to|à|subject|objet)\s*\*?\s*:", re.IGNORECASE)


def trim_reply(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line in ("-- ", "--"):
            break  # the signature separator ("-- ") and everything under it
        if _ATTRIBUTION.match(line) or (line.strip() and _ATTRIBUTION.match(f"{line} {following}")
                                        and not _ATTRIBUTION.match(following)):
            break
        if _OUTLOOK.match(line) or (_HEADER_BLOCK.match(line) and _NEXT_HEADER.match(following)):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()
