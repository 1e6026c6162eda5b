"""Over the real Dovecot: one message that cannot be stored never stops intake.

The message is refused by a SQLite trigger (as a constraint or a full disk refuses a
row); raw 8-bit addresses from the shared corpus are stored as they are.
"""

from __future__ import annotations

import pytest

from tests.cli.test_mail_intake import EIGHT_BIT_FILES, POISON
from tests.conftest import CORPUS
from tests.integration.test_imap_ingest import append, count, desk, mail, run

pytestmark = pytest.mark.integration
__all__ = ["desk"]  # the fixture, shared with the sync tests


def test_quarantined_message_does_not_stop_the_mailbox(desk) -> None:
    desk.store.execute(POISON)
    append(
        desk.imap,
        "INBOX",
        [mail(1), mail(2, subject="myrkky"), mail(3), mail(4, subject="myrkky taas"), mail(5)],
    )
    report = run(desk)
    assert (report.stored, report.quarantined) == (3, 2)
    assert "2 quarantined" in report.summary()
    top = int(desk.store.scalar("SELECT MAX(uid) FROM message_locations"))
    assert desk.store.scalar("SELECT last_uid FROM mail_state") == top
    rows = desk.store.all("SELECT origin, uid, error FROM quarantine ORDER BY uid")
    assert [(r["origin"], r["uid"]) for r in rows] == [
        (f"support/INBOX uid {top - 3}", top - 3),
        (f"support/INBOX uid {top - 1}", top - 1),
    ]
    assert all("refused by the test trigger" in r["error"] for r in rows)

    # Later mail arrives and is stored; the quarantined ones are not fetched again.
    append(desk.imap, "INBOX", [mail(6)])
    report = run(desk)
    assert (report.stored, report.quarantined) == (1, 0)
    assert count(desk, "SELECT COUNT(*) FROM quarantine") == 2

    # Once the cause is gone, reparse stores them with their IMAP location.
    from supportctl.config import load_config
    from supportctl.services import mailadmin
    from tests.integration.test_imap_ingest import NOW

    desk.store.execute("DROP TRIGGER poison")
    result = mailadmin.reparse(desk.store, load_config(desk.root / "config.toml"), now=NOW)
    assert (result.quarantined, result.recovered) == (2, 2)
    assert mailadmin.problems(desk.store) == []
    assert count(desk, "SELECT COUNT(*) FROM message_locations") == 6


@pytest.mark.skipif(not (CORPUS / EIGHT_BIT_FILES[0]).exists(), reason="corpus not available")
def test_raw_8bit_addresses_over_imap(desk) -> None:
    append(
        desk.imap,
        "INBOX",
        [mail(1), *((CORPUS / f).read_bytes() for f in EIGHT_BIT_FILES), mail(2)],
    )
    report = run(desk)
    assert (report.stored, report.quarantined) == (5, 0)
    top = desk.store.scalar("SELECT MAX(uid) FROM message_locations")
    assert desk.store.scalar("SELECT last_uid FROM mail_state") == top
    to = " ".join(r[0] for r in desk.store.all("SELECT to_addrs FROM messages"))
    assert "k.günther@example.com" in to and "danglüe@email.com" in to
