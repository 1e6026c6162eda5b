"""`search`: FTS5 over subjects, mail texts and notes; diacritics folded; newest first."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Workspace

pytestmark = pytest.mark.both_engines


def at(moment: str) -> dict[str, str]:
    return {"SUPPORTCTL_NOW": moment}


@pytest.fixture
def desk(workspace: Workspace) -> Any:
    workspace.customer("acme", "adhoc", name="Acme", rate=75)
    workspace.customer("kovo", "hosting", name="Kovo", rate=75)
    cli = workspace.cli
    cli.ok(
        "ticket",
        "new",
        "--customer",
        "kovo",
        "--from",
        "jiri@kovo.example",
        "Výpadek e-shopu",
        env=at("2026-11-20T08:00:00Z"),
    )
    cli.ok(
        "ticket",
        "new",
        "--customer",
        "acme",
        "--from",
        "matti@acme.example",
        "Lomake ei toimi",
        "Yhteydenottolomake antaa virheen",
        env=at("2026-11-23T08:00:00Z"),
    )
    cli.ok(
        "ticket",
        "new",
        "--customer",
        "acme",
        "--from",
        "matti@acme.example",
        "Uusi lomake",
        env=at("2026-11-24T08:00:00Z"),
    )
    cli.ok(
        "ticket", "note", "1", "Palvelimen levy täynnä, siivottu", env=at("2026-11-24T09:00:00Z")
    )
    return cli


def test_search_folds_diacritics(desk: Any) -> None:
    hits = desk.json("search", "vypadek", "--json")
    assert [(h["id"], h["subject"]) for h in hits] == [(1, "Výpadek e-shopu")]
    assert "**Výpadek**" in hits[0]["snippet"]


def test_search_all_words_newest_first(desk: Any) -> None:
    assert [h["id"] for h in desk.json("search", "lomake", "--json")] == [3, 2]
    assert [h["id"] for h in desk.json("search", "lomake ei toimi", "--json")] == [2]


def test_search_finds_notes_and_prefixes(desk: Any) -> None:
    hits = desk.json("search", "taynna", "--json")
    assert [(h["id"], h["source"]) for h in hits] == [(1, "note")]
    assert [h["id"] for h in desk.json("search", "yhteydenotto*", "--json")] == [2]


def test_search_finds_mail_text(desk: Any, store: Any) -> None:
    with store.transaction():
        store.execute(
            "INSERT INTO messages (ticket_id, direction, body_hash, arrived_at, subject, text_body, raw) "
            "VALUES (3, 'in', 'h1', '2026-11-25T08:00:00Z', 'Re: Uusi lomake', 'Kentät näkyvät väärin mobiilissa', ?)",
            (b"\x00",),
        )
    hits = desk.json("search", "mobiilissa", "--json")
    assert [(h["id"], h["source"]) for h in hits] == [(3, "message")]
    assert list(hits[0])[:3] == ["id", "subject", "snippet"]


def test_search_customer_filter_and_table(desk: Any) -> None:
    assert desk.json("search", "lomake", "--customer", "kovo", "--json") == []
    out = desk.ok("search", "lomake").stdout
    assert "Uusi lomake" in out
    assert "no matches" in desk.ok("search", "nothing-like-this").stdout


@pytest.mark.parametrize("args", [("search", '"'), ("search", "x", "--customer", "nope")])
def test_search_bad_input(desk: Any, args: tuple[str, ...]) -> None:
    result = desk.fails(2, *args)
    assert result.stderr.startswith("error: ")
