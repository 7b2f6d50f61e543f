"""The search query language, read once for both engines (extranet/search/query.py), and the
excerpts' highlighting (extranet/search/excerpts.py)."""

from __future__ import annotations

from dataclasses import replace

from extranet.search.engines import SqliteEngine
from extranet.search.excerpts import excerpt, highlight
from extranet.search.query import Query, fold, parse, stem, stemmed


def test_accents_and_case_are_ignored():
    assert fold("École ÉTÉ") == "ecole ete"
    assert stem(fold("école")) == stem("ecole")


def test_plurals_and_endings_share_a_stem_in_french_and_english():
    assert stem("contrats") == stem("contrat")
    assert stem("contracts") == stem("contract")
    assert stem("leases") == stem("lease")
    assert stem("signed") == stem("signing") == stem("sign")
    assert stemmed("Les Contrats signés") == " ".join(stem(w) for w in ("les", "contrats", "signes"))


def test_several_words_are_all_required_and_the_last_is_a_prefix():
    query = parse("bail commercial sign")
    assert query.words == ("bail", "commercial")
    assert query.prefix == "sign"
    # A space after the last word: it was finished, it is a word.
    assert parse("bail commercial ").words == ("bail", "commercial") and parse("bail commercial ").prefix is None


def test_a_short_last_word_is_no_prefix():
    assert parse("bail de").words == ("bail", "de") and parse("bail de").prefix is None


def test_phrases_in_quotes():
    query = parse('"avis de cotisation" 2025')
    assert query.phrases == (("avis", "de", "cotisation"),)
    assert query.words == () and query.prefix == "2025"
    # One quoted word is a word; an unclosed quote is ignored.
    assert parse('"bail" ').words == ("bail",)
    assert parse('"bail commer').words == ("bail",) and parse('"bail commer').prefix == "commer"


def test_a_reference_is_looked_up_directly():
    assert parse(" rh-2026-0042 ") == Query(reference="RH-2026-0042")
    assert parse("RH-2026-0042 bail").reference is None


def test_nothing_but_words_reaches_the_engine():
    query = parse('bail" OR * NEAR( -x ^ :col contr')
    expression = SqliteEngine.expression(query)
    # Typed words are quoted word characters: never a scope token (marked), never FTS5's syntax.
    assert expression == '("bail" AND "or" AND "near" AND "x" AND "col" AND ("contr" OR "contr"*))'
    completed = SqliteEngine.expression(replace(query, completions=("contrat", "contre")), ["f6872"])
    assert completed.endswith(' AND ("contr" OR "contrat" OR "contre")) AND ("\ue000f6872")'), completed
    assert parse("  \" ' * ( ) ").empty


def test_terms_are_bounded():
    query = parse(" ".join(f"mot{i}" for i in range(30)))
    assert len(query.words) + (query.prefix is not None) <= 8
    assert len(parse("x" * 100 + " y").words[0]) == 40


def test_highlight_escapes_then_marks():
    query = parse("contrat <script>")
    marked = highlight("Le <b>contrat</b> & les Contrats <script>", query)
    assert str(marked) == ("Le &lt;b&gt;<mark>contrat</mark>&lt;/b&gt; &amp; les <mark>Contrats</mark> "
                           "&lt;<mark>script</mark>&gt;")


def test_excerpt_is_cut_around_the_first_match():
    text = " ".join(f"mot{i}" for i in range(100)) + " école " + " ".join(f"fin{i}" for i in range(100))
    cut = str(excerpt(text, parse("ecole ")))
    assert "<mark>école</mark>" in cut and cut.startswith("… ") and cut.endswith(" …")
    assert "mot0 " not in cut and "fin99" not in cut


def test_excerpt_finds_a_match_deep_in_a_long_text_by_its_word_not_inside_another():
    """A file's text may hold tens of thousands of words: the excerpt is cut around the first
    word that matches, whatever its case and accents, not around a word that only holds the
    stem, and from the beginning when nothing matches (a file found by its name)."""
    filler = " ".join(f"mot{i}" for i in range(20000))
    text = f"Début {filler} recontrat {filler} CONTRATS signés {filler}"
    cut = str(excerpt(text, parse("contrat ")))
    assert "<mark>CONTRATS</mark>" in cut and "recontrat" not in cut and cut.startswith("… ")
    assert str(excerpt(text, parse("signe"))).count("<mark>signés</mark>") == 1
    assert str(excerpt(text, parse("ecole "))).startswith("Début mot0")
