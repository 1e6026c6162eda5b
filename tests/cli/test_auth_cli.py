"""One authentication verdict through import, `fetch --explain`, `ticket approve --message`
and `ticket show`, for every case of the matrix (tests/unit/test_auth.py), and the
crafted From forms through the same paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Workspace
from tests.unit.test_auth import MATRIX

NOW = {"SUPPORTCTL_NOW": "2026-10-14T09:00:00Z"}
TRUST = (
    '\n[[imap]]\nname = "support"\nhost = "127.0.0.1"\nport = 9\ntls = "none"\n'
    'user = "support@agency.example"\npassword_env = "UNUSED"\nauthserv_id = "mx.agency.example"\n'
)


@pytest.fixture
def desk(workspace: Workspace) -> Path:
    workspace.edit_config(append=TRUST)
    workspace.customer("acme", "adhoc", name="Acme Oy", domain="acme.fi")
    workspace.contact("acme", "matti@acme.fi", name="Matti", can_order=True)
    workspace.contact("acme", "liisa@acme.fi", name="Liisa")
    return workspace.root


def _mail(
    results: list[str], *, subject: str, mid: str, sender: str = "Matti <matti@acme.fi>"
) -> bytes:
    head = "".join(f"Authentication-Results: {r}\n" for r in results)
    return (
        f"{head}From: {sender}\nTo: support@agency.example\nSubject: {subject}\n"
        f"Message-ID: <{mid}@acme.fi>\nDate: Wed, 14 Oct 2026 10:00:00 +0300\n\nOk, go ahead.\n"
    ).encode()


def _import(cli: Any, tmp: Path, raw: bytes, name: str) -> None:
    mbox = tmp / f"{name}.mbox"
    mbox.write_bytes(b"From x@y Wed Oct 14 07:00:00 2026\n" + raw + b"\n")
    cli.ok("fetch", "--source", f"mbox:{mbox}", env=NOW)


def _explain(cli: Any, tmp: Path, raw: bytes, name: str) -> dict[str, Any]:
    eml = tmp / f"{name}.eml"
    eml.write_bytes(raw)
    data = cli.json("fetch", "--explain", str(eml), "--json", env=NOW)
    return {s["step"]: s for s in data["steps"]}


@pytest.mark.parametrize(
    ("values", "expected"), [(v, e) for _n, v, e in MATRIX], ids=[n for n, _v, _e in MATRIX]
)
def test_one_verdict_at_import_explain_approve_and_show(
    cli: Any, desk: Path, snapshot: Any, values: list[str], expected: bool
) -> None:
    # A request from a contact who may not order: it needs approval.
    _import(cli, desk, _mail([], subject="New page", mid="req", sender="liisa@acme.fi"), "req")
    (ticket,) = cli.json("inbox", "--no-fetch", "--json")
    assert ticket["needs_approval"] is True
    number = ticket["id"]
    # Matti's "ok" on that ticket, with this case's Authentication-Results.
    reply = _mail(values, subject=f"Re: [#{number}] New page", mid="ok")
    steps = _explain(cli, desk, reply, "reply")
    assert steps["authentication"]["outcome"] == (
        "authenticated" if expected else "not authenticated"
    )
    _import(cli, desk, reply, "reply")
    shown = cli.json("ticket", "show", str(number), "--json")
    message = shown["messages"][-1]
    assert message["authentication"]["authenticated"] is expected
    before = snapshot()
    result = cli("ticket", "approve", str(number), "--message", str(message["id"]), env=NOW)
    if expected:
        assert result.exit_code == 0, result.stderr
        assert cli.json("ticket", "show", str(number), "--json")["needs_approval"] is False
    else:
        assert result.exit_code == 2 and "is not authenticated" in result.stderr
        assert snapshot() == before
    # The same mail opening a ticket of its own: billable work only when authenticated.
    fresh = _mail(values, subject="Please update the plugins", mid="new")
    assert _explain(cli, desk, fresh, "fresh")["approval"]["outcome"] == (
        "not needed" if expected else "needs approval"
    )
    _import(cli, desk, fresh, "fresh")
    rows = {r["subject"]: r for r in cli.json("inbox", "--no-fetch", "--json")}
    assert rows["Please update the plugins"]["needs_approval"] is (not expected)


CRAFTED = [
    "matti@acme.fi <attacker@evil.example>",
    '"matti@acme.fi" <attacker@evil.example>',
    "Matti (matti@acme.fi) <attacker@evil.example>",
    "matti@acme.fi, attacker@evil.example",
    "matti@acme.fi (x) <attacker@evil.example>",
]


@pytest.mark.parametrize("sender", CRAFTED)
def test_crafted_from_never_opens_billable_work_or_approves(
    cli: Any, desk: Path, snapshot: Any, sender: str
) -> None:
    # The attacker's own genuine DMARC pass for evil.example.
    genuine = ["mx.agency.example; dmarc=pass header.from=evil.example"]
    _import(cli, desk, _mail([], subject="New page", mid="req", sender="liisa@acme.fi"), "req")
    (ticket,) = cli.json("inbox", "--no-fetch", "--json")
    raw = _mail(genuine, subject=f"Re: [#{ticket['id']}] New page", mid="forged", sender=sender)
    steps = _explain(cli, desk, raw, "forged")
    assert steps["authentication"]["outcome"] == "not authenticated"
    assert steps["approval"]["outcome"] == "needs approval"
    _import(cli, desk, raw, "forged")
    shown = cli.json("ticket", "show", str(ticket["id"]), "--json")
    message = shown["messages"][-1]
    if "<" in sender:  # the real addr-spec (in angle brackets) is what is shown
        assert message["headers"]["from"] == "attacker@evil.example"
    before = snapshot()
    result = cli.fails(2, "ticket", "approve", str(ticket["id"]), "--message", str(message["id"]))
    assert "not a designated contact" in result.stderr or "not authenticated" in result.stderr
    assert snapshot() == before
    fresh = _mail(genuine, subject="Bill us", mid="forged-new", sender=sender)
    _import(cli, desk, fresh, "fresh")
    rows = {r["subject"]: r for r in cli.json("inbox", "--no-fetch", "--json")}
    assert rows["Bill us"]["needs_approval"] is True


def test_crafted_from_two_from_headers(cli: Any, desk: Path) -> None:
    raw = _mail(
        ["mx.agency.example; dmarc=pass header.from=acme.fi"], subject="Two", mid="two"
    ).replace(b"From: ", b"From: attacker@evil.example\nFrom: ", 1)
    steps = _explain(cli, desk, raw, "two")
    assert steps["authentication"]["outcome"] == "not authenticated"
    assert "2 From headers" in steps["from"]["reason"]
    _import(cli, desk, raw, "two")
    (row,) = cli.json("inbox", "--no-fetch", "--json")
    assert row["needs_approval"] is True
