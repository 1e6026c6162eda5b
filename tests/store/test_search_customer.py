"""The customer token in the search index follows the tickets: new rows, a ticket
moved to another customer, messages moved to another ticket, the importer's batch."""

from __future__ import annotations

from supportctl.services.search import search
from supportctl.store import search as search_store
from supportctl.store.db import Store

AT = "2026-10-14T08:30:00Z"


def _desk(store: Store) -> None:
    with store.transaction():
        for slug in ("acme", "kovo", "pixel"):
            store.execute(
                "INSERT INTO customers (slug, name, plan, rate_minor, currency, vat, "
                "included_minutes, locale, carry_over, created_at) "
                "VALUES (?, ?, 'adhoc', 7500, 'EUR', '25.5', 0, 'fi_FI', 0, ?)",
                (slug, slug, AT),
            )
        for tid, customer, subject in ((1, 1, "Lomake rikki"), (2, 2, "Banneri"), (3, None, "Muu")):
            store.execute(
                "INSERT INTO tickets (id, customer_id, subject, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (tid, customer, subject, AT, AT),
            )
        _message(store, 10, 2, "Lomake antaa virheen")
        store.execute(
            "INSERT INTO events (at, kind, ticket_id, data) VALUES (?, 'ticket.note', 3, "
            '\'{"text": "lomake tarkistettu"}\')',
            (AT,),
        )


def _message(store: Store, mid: int, ticket: int, body: str) -> None:
    store.execute(
        "INSERT INTO messages (id, ticket_id, direction, body_hash, arrived_at, subject, "
        "text_body, raw) VALUES (?, ?, 'in', ?, ?, 'Re', ?, x'00')",
        (mid, ticket, f"h{mid}", AT, body),
    )


def _found(store: Store, customer: str | None) -> list[tuple[int, str]]:
    return sorted((h.id, h.source) for h in search(store, "lomake*", customer=customer))


def test_the_customer_token_follows_every_change(store: Store) -> None:
    _desk(store)
    assert _found(store, "acme") == [(1, "subject")]
    assert _found(store, "kovo") == [(2, "message")]
    assert _found(store, "pixel") == []
    assert _found(store, None) == [(1, "subject"), (2, "message"), (3, "note")]
    with store.transaction():  # the note's ticket gets a customer
        store.execute("UPDATE tickets SET customer_id = 3 WHERE id = 3")
    assert _found(store, "pixel") == [(3, "note")]
    with store.transaction():  # the message moves to acme's ticket (a merge does this)
        store.execute("UPDATE messages SET ticket_id = 1 WHERE id = 10")
    assert _found(store, "kovo") == []
    assert _found(store, "acme") == [(1, "subject")]  # one row per ticket
    assert {r["ticket_id"] for r in search_store.hits(store, "message", '"lomake"*', 1, 10)} == {1}
    with store.transaction():  # a whole ticket moves to kovo: its subject and mail follow
        store.execute("UPDATE tickets SET customer_id = 2 WHERE id = 1")
    assert _found(store, "acme") == []
    assert search_store.hits(store, "message", '"lomake"*', 2, 10)[0]["ticket_id"] == 1
    assert search_store.hits(store, "subject", '"lomake"*', 2, 10)[0]["ticket_id"] == 1


def test_the_importers_batch_indexes_the_customer(store: Store) -> None:
    _desk(store)
    with store.transaction(), search_store.deferred_index(store):
        store.execute(
            "INSERT INTO tickets (id, customer_id, subject, created_at, updated_at) "
            "VALUES (4, 3, 'Uusi lomake', ?, ?)",
            (AT, AT),
        )
        _message(store, 11, 4, "lomake ei toimi")
    assert search_store.hits(store, "message", '"lomake"', 3, 10)[0]["ticket_id"] == 4
    assert search_store.hits(store, "subject", '"lomake"', 3, 10)[0]["ticket_id"] == 4


def test_a_customer_token_typed_as_a_word_finds_nothing(store: Store) -> None:
    _desk(store)
    assert search(store, "c1") == []


def test_a_customer_search_snippets_the_words_never_the_token(store: Store) -> None:
    """Snippets of a customer-filtered search walk that customer's matches only, and
    they are the same as the unfiltered search's: the words marked, never `c1`."""
    _desk(store)
    with store.transaction():
        for mid in range(20, 60):  # other customers' matches between acme's two
            _message(store, mid, 2, "lomake " * (mid % 5 + 1) + "muuta tekstiä")
        _message(store, 60, 1, "Lomake: tämä on pitkä viesti, jossa lomake mainitaan monesti")
    match = '"lomake"'
    rowids = [10, 60]
    with store.transaction():
        store.execute("UPDATE messages SET ticket_id = 1 WHERE id = 10")
    filtered = search_store.snippets(store, "message", match, rowids, customer_id=1)
    plain = search_store.snippets(store, "message", match, rowids)
    assert filtered == plain and set(filtered) == {10, 60}
    assert all("c1" not in text for text in filtered.values())
    assert all("\x02" in text for text in filtered.values())  # the word is marked
