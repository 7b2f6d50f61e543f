"""Find anything: one search over requests, messages, documents and resources.

``query`` reads what a person typed (words, "phrases", a reference, the word being typed);
``engines`` keeps the index and matches a query against it, SQLite FTS5 embedded and
PostgreSQL full-text in production, behind one interface; ``sources`` says what text each kind
of row contributes; ``index`` keeps the index in the same transaction as the rows and rebuilds
it; ``service`` runs a search for a person, filtered in SQL by the same rules as the pages;
``excerpts`` cuts and highlights what is shown.
"""
