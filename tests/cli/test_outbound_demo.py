"""The demo acknowledges new tickets into a local outbox and shows one; nothing is sent."""

from __future__ import annotations

import email
import email.policy
import sqlite3


def test_outbound_demo_writes_acknowledgements_to_the_outbox(cli, tmp_path):  # type: ignore[no-untyped-def]
    target = tmp_path / "demo"
    result = cli.ok("demo", "--dir", str(target))
    assert "(an acknowledgement)" in result.stdout
    assert "Auto-Submitted: auto-replied" in result.stdout
    files = sorted((target / "outbox").glob("*.eml"))
    assert files
    for path in files:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert msg["Auto-Submitted"] == "auto-replied"
        assert msg["Message-ID"].endswith("@koodiverstas.example>")
        assert msg["Subject"].startswith("Re: [KV #")
    conn = sqlite3.connect(target / "supportctl.db")
    try:
        logged = conn.execute("SELECT count(*) FROM outbound_log WHERE kind = 'ack'").fetchone()[0]
        stored = conn.execute(
            "SELECT count(*) FROM messages WHERE direction = 'out' AND classification = 'autoreply'"
        ).fetchone()[0]
        classes = {
            r[0]
            for r in conn.execute(
                "SELECT t.classification FROM tickets t JOIN outbound_log o ON o.ticket_id = t.id"
            )
        }
        triage_acked = conn.execute(
            "SELECT count(*) FROM tickets t JOIN outbound_log o ON o.ticket_id = t.id WHERE t.is_triage = 1"
        ).fetchone()[0]
    finally:
        conn.close()
    assert logged == stored == len(files)
    assert classes == {"human"}
    assert triage_acked == 0
