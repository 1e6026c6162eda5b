"""`reparse` repairs a database written by an earlier version: requesters, senders,
subjects, bodies and customer matches.

The database is built with this version and then given the exact values the earlier
parser stored for the same files (they are quoted in issue 12): lower-cased encoded
words as addresses, a subject that lost its fold, UTF-7 and mojibake bodies, and the
tickets they opened in triage without a customer.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import FIXTURES

NOW = {"SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"}
OLD = {
    "fi-from-one-encoded-word.eml": {
        "from_addr": "=?utf-8?b?umokaxzpie3dpgtlbmokidxqywl2as5nywtlbgfaqwntzs5mat4=?=",
        "from_name": "",
    },
    "fi-apple-last-first.eml": {"from_addr": "=?utf-8?q?virtanen", "from_name": ""},
    "fi-folded-encoded-subject.eml": {"subject": "Tilaus ei näyverkkokaupassa"},
    "fi-utf7-body.eml": {
        "subject": "P+AOQ-ivitys",
        "text_body": "Hyv+AOQA5A p+AOQ-iv+AOQA5A, p+AOQ-ivitys on valmis.",
    },
    "cs-utf8-with-cp1250-footer.eml": {
        "text_body": "DobrĂ˝ den, e-shop je nedostupnĂ˝ od rĂˇna.\nDÄ›kuji, JiĹ™Ă\xad",
    },
}


def test_reparse_repairs_what_an_earlier_version_stored(
    cli, initialized: Path, tmp_path: Path
) -> None:
    cli.ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "maintenance")
    cli.ok("contact", "add", "acme", "matti.virtanen@acme.fi", "--can-order")
    cli.ok("contact", "add", "acme", "paivi.makela@acme.fi")
    cli.ok("customer", "add", "kovo", "--name", "Kovošrot", "--plan", "hosting")
    cli.ok("contact", "add", "kovo", "jiri.novak@kovosrot.cz")
    box = tmp_path / "old.mbox"
    with box.open("wb") as fh:
        for name in OLD:
            fh.write(
                b"From x@y Tue Oct 13 10:00:00 2026\n" + (FIXTURES / "mail" / name).read_bytes()
            )
            fh.write(b"\n")
    cli.ok("fetch", "--source", f"mbox:{box}", env=NOW)
    db = initialized / "supportctl.db"
    conn = sqlite3.connect(db)
    try:
        by_subject = {}
        for name, old in OLD.items():
            mid = _message_id(FIXTURES / "mail" / name)
            row = conn.execute(
                "SELECT id, ticket_id, subject FROM messages WHERE message_id = ?", (mid,)
            ).fetchone()
            by_subject[name] = (row[0], row[1])
            sets = ", ".join(f"{k} = ?" for k in old)
            conn.execute(f"UPDATE messages SET {sets} WHERE id = ?", (*old.values(), row[0]))
            ticket = {"subject": old.get("subject", row[2])}
            if "from_addr" in old:
                ticket.update(requester=old["from_addr"], customer_id=None, is_triage=1)
            sets = ", ".join(f"{k} = ?" for k in ticket)
            conn.execute(f"UPDATE tickets SET {sets} WHERE id = ?", (*ticket.values(), row[1]))
        conn.commit()
    finally:
        conn.close()

    out = cli.ok("reparse", env=NOW).stdout
    assert "re-parsed 5 messages; 5 changed" in out
    assert "4 tickets repaired (2 matched to a customer)" in out

    def ticket(name: str) -> dict:
        return cli.json("ticket", "show", str(by_subject[name][1]), "--json")

    t = ticket("fi-from-one-encoded-word.eml")
    assert (t["requester"], t["customer"]) == ("Paivi.Makela@Acme.fi", "acme")
    assert t["messages"][0]["headers"]["from_name"] == "Päivi Mäkelä"
    t = ticket("fi-apple-last-first.eml")
    assert (t["requester"], t["customer"]) == ("Matti.Virtanen@Acme.fi", "acme")
    assert not t["triage"]
    assert ticket("fi-folded-encoded-subject.eml")["subject"] == "Tilaus ei näy verkkokaupassa"
    t = ticket("fi-utf7-body.eml")
    assert t["subject"] == "Päivitys"
    assert t["messages"][0]["text"] == "Hyvää päivää, päivitys on valmis."
    text = ticket("cs-utf8-with-cp1250-footer.eml")["messages"][0]["text"]
    assert text.startswith("Dobrý den, e-shop je nedostupný od rána.\nDěkuji, Jiří\n")
    # Once repaired, a second run changes nothing.
    assert "re-parsed 5 messages; 0 changed" in cli.ok("reparse", env=NOW).stdout
    shown = cli.ok("ticket", "show", str(by_subject["fi-apple-last-first.eml"][1])).stdout
    assert "repaired by reparse: customer_id, is_triage, requester" in shown


def _message_id(path: Path) -> str:
    for line in path.read_bytes().decode("latin-1").splitlines():
        if line.lower().startswith("message-id:"):
            return line.split(":", 1)[1].strip().strip("<>")
    raise AssertionError(path)
