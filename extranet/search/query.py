"""What a person typed in the search box, read once for both engines.

Several words are all required; "a phrase in quotes" must appear as it is; the last word is
also matched as a prefix, so that results come while it is being typed; a whole query shaped
like a request's reference (RH-2026-0042) is looked up directly. Accents and case are ignored
("ecole" finds "école"), and each word is reduced to its stem so that plurals and common
endings match ("contrats" finds "contrat"): ``stem`` is applied to the indexed text and to the
query alike (the SQLite engine; PostgreSQL stems with its own french and english
configurations).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

REFERENCE_RE = re.compile(r"^\s*([A-Za-z]{1,10}-\d{4}-\d{1,10})\s*$")
WORD_RE = re.compile(r"\w+")
PHRASE_RE = re.compile(r'"([^"]*)"')
MAX_TERMS = 8  # words and phrases together: more narrows nothing and costs time
MAX_WORD = 40  # longer "words" are pasted noise
MIN_PREFIX = 3  # a shorter prefix matches too much to be worth reading the index for

_FRENCH = snowballstemmer.stemmer("french")
_ENGLISH = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Case and accents ignored: "École" and "ecole" are the same."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return WORD_RE.findall(fold(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One stem for a folded word, the same in French and English text: the shorter of the two
    stemmers' answers ("contrats" and "contracts" lose their plural, "signed" its ending). One
    token per word keeps phrases matchable word after word."""
    french, english = _FRENCH.stemWord(word), _ENGLISH.stemWord(word)
    return english if len(english) < len(french) else french


def stemmed(text: str) -> str:
    """``text`` as the SQLite index holds it: its words' stems, in order."""
    return " ".join(stem(w) for w in words(text))


@dataclass(frozen=True)
class Query:
    """A parsed query: each word and each phrase (folded words) required; ``prefix``, the last
    word typed, matched either as a word or as the beginning of one; ``reference`` when the
    whole query is a request's reference."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefix: str | None = None
    reference: str | None = None
    # The indexed words that begin with ``prefix``, when an engine listed them (``prepare``).
    completions: tuple[str, ...] | None = None
    # The whole query in the engine's own language, when the engine wrote it once (``prepare``).
    compiled: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.prefix or self.reference)

    def stems(self) -> set[str]:
        """Every stem the query looks for (to highlight them)."""
        found = {stem(w) for w in self.words}
        found.update(stem(w) for phrase in self.phrases for w in phrase)
        if self.prefix:
            found.add(stem(self.prefix))
        return found


def parse(text: str) -> Query:
    text = (text or "")[:500]
    reference = REFERENCE_RE.match(text)
    if reference:
        return Query(reference=reference.group(1).upper())
    phrases = []
    for found in PHRASE_RE.findall(text):
        phrase = tuple(w[:MAX_WORD] for w in words(found))
        if len(phrase) == 1:
            text = text.replace(f'"{found}"', f" {phrase[0]} ", 1)  # one quoted word is a word
        elif phrase:
            phrases.append(phrase)
    rest = PHRASE_RE.sub(" ", text).replace('"', " ")
    terms = [w[:MAX_WORD] for w in words(rest)]
    prefix = None
    # The word being typed: the last one, when nothing (a space, a closing quote) follows it.
    if terms and re.search(r"\w$", text) and len(terms[-1]) >= MIN_PREFIX:
        prefix = terms.pop()
    unique = list(dict.fromkeys(terms))
    room = MAX_TERMS - len(phrases[:MAX_TERMS]) - (prefix is not None)
    return Query(
        words=tuple(unique[:max(room, 0)]),
        phrases=tuple(dict.fromkeys(phrases[:MAX_TERMS])),
        prefix=prefix,
    )
