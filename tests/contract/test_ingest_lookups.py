"""The importer's batched reads answer exactly what the per-message reads they replace
would, on both engines: the duplicate check for a whole batch (`find_identities`), the
threading look-up (`ThreadLookup`: references, tag, ticket row, requester), and ids
taken ahead (`take_ids_ahead`), which a savepoint that is undone gives back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_mail_intake import write_mbox
from tests.conftest import FIXED_NOW, open_test_store

pytestmark = pytest.mark.both_engines

NOW = {"SUPPORTCTL_NOW": FIXED_NOW}


def _mail(
    n: int, sender: str, subject: str, *, reply_to: str = "", refs: str = "", padding: int = 0
) -> bytes:
    extra = f"Reply-To: {reply_to}\n" if reply_to else ""
    if refs:
        extra += f"In-Reply-To: {refs}\nReferences: {refs}\n"
    # Long headers: the requester check must not cut the header block short.
    extra += "".join(f"X-Trace-{i}: {'x' * 70}\n" for i in range(padding))
    return (
        f"From: {sender}\nTo: support@agency.example\nSubject: {subject}\n"
        f"Message-ID: <m{n}@acme.fi>\nDate: Tue, 13 Oct 2026 10:{n:02d}:00 +0300\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\n\nViesti {n}: sivu ei toimi.\n"
    ).encode()


@pytest.fixture
def desk(cli: Any, tmp_path: Path) -> Any:
    cli.ok("init", "--user", "alice")
    cli.ok("team", "add", "alice", "--name", "Alice", "--email", "alice@agency.example")
    cli.ok(
        "customer", "add", "acme", "--name", "Acme", "--plan", "maintenance", "--domain", "acme.fi"
    )
    box = write_mbox(
        tmp_path / "in.mbox",
        [
            _mail(1, "lomake@acme.fi", "Lomake", reply_to="matti@acme.fi"),
            _mail(2, "matti@acme.fi", "Re: Lomake", refs="<m1@acme.fi>"),
            _mail(3, "liisa@acme.fi", "Kirjautuminen", padding=300),
            _mail(4, "outsider@example.org", "Re: Kirjautuminen", refs="<m3@acme.fi>"),
            _mail(5, "pekka@acme.fi", "Laskutus"),
            _mail(6, "pekka@acme.fi", "Re: [#3] Laskutus"),
        ],
    )
    cli.ok("fetch", "--source", f"mbox:{box}", env=NOW)
    cli.ok("ticket", "new", "--customer", "acme", "--from", "puhelin@acme.fi", "Soitto", env=NOW)
    store = open_test_store(Path(os.environ["SUPPORTCTL_CONFIG"]).parent)
    yield store
    store.close()


def test_one_query_finds_the_same_duplicates_as_one_per_message(desk: Any) -> None:
    from supportctl.store import messages as message_store

    stored = [
        (str(r[0]), str(r[1])) for r in desk.all("SELECT message_id, body_hash FROM messages")
    ]
    assert len(stored) == 6
    crossed = [(stored[0][0], stored[1][1]), (stored[1][0], stored[0][1])]
    asked = [*stored, *crossed, ("<nobody@acme.fi>", "0" * 64)]
    found = message_store.find_identities(desk, asked)
    one_by_one = {pair: message_store.find_identity(desk, *pair) for pair in asked}
    assert found == {pair: row for pair, row in one_by_one.items() if row is not None}
    assert set(found) == set(stored)
    assert message_store.find_identities(desk, []) == {}


def test_the_threading_lookup_reads_what_the_single_reads_do(desk: Any) -> None:
    from supportctl.services import requester
    from supportctl.store import messages as message_store
    from supportctl.store import tickets as ticket_store

    ids = [str(r[0]) for r in desk.all("SELECT message_id FROM messages ORDER BY id")]
    with desk.transaction():  # Laskutus (3) merged into Kirjautuminen (2)
        desk.execute("UPDATE tickets SET merged_into = 2 WHERE id = 3")
    for tag in (None, 1, 3, 99):
        for refs in ([], ids[:1], ids, ["<unknown@acme.fi>", *ids[2:4]]):
            lookup = ticket_store.ThreadLookup(desk, tag, refs)
            assert lookup.known == message_store.tickets_for_message_ids(desk, refs)
            for message_id, ticket_id in lookup.known.items():
                merged = desk.scalar("SELECT merged_into FROM tickets WHERE id = ?", (ticket_id,))
                assert lookup.merged[ticket_id] == merged, message_id
            for ticket_id in {*lookup.known.values(), *([tag] if tag else []), 4}:
                row = lookup.ticket(ticket_id)
                single = ticket_store.get(desk, ticket_id)
                assert (row is None) == (single is None)
                if row is None:
                    continue
                assert tuple(row) == tuple(single)
                whole = requester.of_ticket(desk, row)
                ahead = requester.from_first_incoming(row, lookup.first_incoming(ticket_id))
                # None only when the header block goes on past what was read ahead
                assert ahead is None or ahead == whole, ticket_id
    # The contact form's ticket answers to its Reply-To; the long-headed one falls back;
    # the phoned-in ticket (no mail) has its requester.
    lookup = ticket_store.ThreadLookup(desk, 1, [])
    assert requester.from_first_incoming(lookup.ticket(1), lookup.first_incoming(1)) == (
        requester.Requester("lomake@acme.fi", "matti@acme.fi", 1)
    )
    long_headers = ticket_store.ThreadLookup(desk, None, [])
    assert long_headers.ticket(2) is not None
    assert (
        requester.from_first_incoming(long_headers.ticket(2), long_headers.first_incoming(2))
        is None
    )
    phoned = ticket_store.ThreadLookup(desk, 4, [])
    assert requester.from_first_incoming(phoned.ticket(4), phoned.first_incoming(4)) == (
        requester.Requester("puhelin@acme.fi", "", None)
    )


def test_ids_taken_ahead_are_used_in_order_and_given_back_when_undone(desk: Any) -> None:
    from supportctl.store import tickets as ticket_store

    def new() -> int:
        return ticket_store.insert(
            desk, {"subject": "x", "created_at": FIXED_NOW, "updated_at": FIXED_NOW}
        )

    top = int(desk.scalar("SELECT max(id) FROM tickets"))

    class Undo(Exception):
        pass

    with desk.transaction():
        ticket_store.take_ids_ahead(desk, 3)
        first = new()
        try:
            with desk.savepoint("undone"):
                new()
                raise Undo
        except Undo:
            pass
        made = [first, new(), new(), new()]  # the last one beyond what was taken ahead
    assert made == [top + 1, top + 2, top + 3, top + 4]
    assert [
        r[0] for r in desk.all("SELECT id FROM tickets WHERE id > ? ORDER BY id", (top,))
    ] == made


def test_ids_a_transaction_took_and_did_not_keep_are_given_again(desk: Any) -> None:
    """A run that took more ids than it used, and one that was rolled back (as a killed
    fetch is), leave no gap: the next numbers are the ones SQLite gives."""
    from supportctl.store import tickets as ticket_store

    def new() -> int:
        return ticket_store.insert(
            desk, {"subject": "x", "created_at": FIXED_NOW, "updated_at": FIXED_NOW}
        )

    top = int(desk.scalar("SELECT max(id) FROM tickets"))

    class Killed(Exception):
        pass

    with desk.transaction():
        ticket_store.take_ids_ahead(desk, 5)
        used = new()  # four taken, not used
    with pytest.raises(Killed), desk.transaction():
        ticket_store.take_ids_ahead(desk, 3)
        new()
        raise Killed
    with desk.transaction():
        ticket_store.take_ids_ahead(desk, 2)
        later = [new(), new()]
    with desk.transaction():
        plain = new()  # no ids taken ahead: the sequence numbers it
    assert [used, *later, plain] == [top + 1, top + 2, top + 3, top + 4]
