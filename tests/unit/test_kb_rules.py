"""domain/kb.py: folding, the words a ticket is searched by, relevance, article text."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain import kb


def test_kb_fold_matches_the_index_folding() -> None:
    assert kb.fold("Výpadek ŘÍJEN Äänekoski") == "vypadek rijen aanekoski"
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t (x) VALUES ('Výpadek ŘÍJEN Äänekoski')")
    for word in kb.words("Výpadek ŘÍJEN Äänekoski"):
        assert (
            conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (f'"{word}"',)).fetchone()[0]
            == 1
        )


def test_kb_terms_drop_filler_quotes_and_inflections() -> None:
    found = kb.terms(["Hei, salasana ei toimi", "> quoted salasana\nSalasanaa ei hyväksytä 2026"])
    assert [t.word for t in found] == ["salasana", "toimi", "hyväksytä"]
    assert kb.matched(found, "Vaihda SALASANAN profiilissa") == ["salasana"]
    assert kb.terms(["Dobrý den, prosím"]) == []
    assert kb.fts_query([]) is None


def test_kb_relevance_needs_two_words_and_one_in_the_title() -> None:
    assert kb.is_relevant(["a", "b"], ["a"])
    assert not kb.is_relevant(["a", "b"], [])
    assert kb.is_relevant(["a", "b", "c"], [])
    assert not kb.is_relevant(["a", "a"], ["a"])


@given(st.text(max_size=300))
def test_kb_fts_query_is_always_a_valid_fts5_query(text: str) -> None:
    query = kb.fts_query(kb.terms([text]))
    if query is None:
        return
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t (x) VALUES (?)", (text,))
    conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()


@given(st.text(max_size=300))
def test_kb_every_term_matches_the_text_it_came_from(text: str) -> None:
    found = kb.terms([text])
    assert set(kb.matched(found, text)) == {t.word for t in found}


def test_kb_editor_text_round_trips_and_refuses_empty() -> None:
    assert kb.from_editor(kb.editor_text("Title", "Body\n\nmore")) == ("Title", "Body\n\nmore\n")
    with pytest.raises(kb.ArticleTextError):
        kb.from_editor("# Title\n\n")
    with pytest.raises(kb.ArticleTextError):
        kb.from_editor("no heading\n\nbody")
    with pytest.raises(kb.ArticleTextError):
        kb.parse_language("de")


def test_kb_draft_from_ticket() -> None:
    facts = kb.TicketFacts(
        7,
        "Lomake  ei toimi",
        "Hei\nlomake rikki",
        "Korjattu",
        ("tarkistettu",),
        ("wordpress", "bad tag!"),
    )
    title, body, tags = kb.draft_from_ticket(facts, "fi")
    assert title == "Lomake ei toimi" and tags == ("wordpress",)
    assert "## Kysymys\n\n> Hei\n> lomake rikki" in body and "## Vastaus\n\nKorjattu" in body
    assert "- tarkistettu" in body and "#7" in body
