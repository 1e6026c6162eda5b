"""Over the real Dovecot: one message that cannot be stored never stops intake.

The message is refused by a trigger (as a constraint refuses a row), on both engines;
a failure of the database itself stops the run instead. Raw 8-bit addresses from the
shared corpus are stored as they are.
"""

from __future__ import annotations

import pytest

from tests.cli.test_mail_intake import EIGHT_BIT_FILES, POISON
from tests.conftest import CORPUS
from tests.integration.test_imap_ingest import append, count, desk, mail, run

pytestmark = [pytest.mark.integration, pytest.mark.both_engines]
__all__ = ["desk"]  # the fixture, shared with the sync tests

PG_POISON = (
    "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.subject LIKE '%myrkky%' THEN RAISE EXCEPTION 'refused by the test trigger'; "
    "END IF; RETURN NEW; END $$",
    "CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION poison()",
)


def poison(desk) -> None:
    for statement in PG_POISON if desk.store.engine == "postgresql" else (POISON,):
        desk.store.execute(statement)


def unpoison(desk) -> None:
    on = " ON messages" if desk.store.engine == "postgresql" else ""
    desk.store.execute(f"DROP TRIGGER poison{on}")


def test_quarantined_message_does_not_stop_the_mailbox(desk) -> None:
    poison(desk)
    append(
        desk.imap,
        "INBOX",
        [mail(1), mail(2, subject="myrkky"), mail(3), mail(4, subject="myrkky taas"), mail(5)],
    )
    report = run(desk)
    assert (report.stored, report.quarantined) == (3, 2), [
        (r["origin"], r["error"]) for r in desk.store.all("SELECT origin, error FROM quarantine")
    ]
    assert "2 quarantined" in report.summary()
    top = int(desk.store.scalar("SELECT MAX(uid) FROM message_locations"))
    assert desk.store.scalar("SELECT last_uid FROM mail_state") == top
    rows = desk.store.all("SELECT origin, uid, error FROM quarantine ORDER BY uid")
    assert [(r["origin"], r["uid"]) for r in rows] == [
        (f"support/INBOX uid {top - 3}", top - 3),
        (f"support/INBOX uid {top - 1}", top - 1),
    ]
    assert all("refused by the test trigger" in r["error"] for r in rows)
    # The batch was stored again message by message: the ids the refused ones had for
    # a moment went to the next ones (on a server too, where ids are taken ahead).
    assert [r[0] for r in desk.store.all("SELECT id FROM messages ORDER BY id")] == [1, 2, 3]
    assert [r[0] for r in desk.store.all("SELECT id FROM tickets ORDER BY id")] == [1, 2, 3]

    # Later mail arrives and is stored; the quarantined ones are not fetched again.
    append(desk.imap, "INBOX", [mail(6)])
    report = run(desk)
    assert (report.stored, report.quarantined) == (1, 0)
    assert count(desk, "SELECT COUNT(*) FROM quarantine") == 2

    # Once the cause is gone, reparse stores them with their IMAP location.
    from supportctl.config import load_config
    from supportctl.services import mailadmin
    from tests.integration.test_imap_ingest import NOW

    unpoison(desk)
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


def test_a_failing_database_stops_the_run_instead_of_quarantining(desk) -> None:
    """The engine failing (here: a full disk as the server reports it, or SQLite meeting
    a function it lacks) is not the message's fault: the batch is undone, nothing is
    quarantined, and the next run fetches the same mail again."""
    from supportctl.store.db import EngineFailure

    if desk.store.engine == "postgresql":
        desk.store.execute(
            PG_POISON[0].replace(
                "RAISE EXCEPTION 'refused by the test trigger'",
                "RAISE EXCEPTION 'no space' USING ERRCODE = 'disk_full'",
            )
        )
        desk.store.execute(PG_POISON[1])
    else:
        desk.store.execute(
            "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.subject LIKE '%myrkky%' "
            "BEGIN SELECT no_such_function(); END"
        )
    append(desk.imap, "INBOX", [mail(1), mail(2, subject="myrkky"), mail(3)])
    with pytest.raises(EngineFailure):
        run(desk)
    assert count(desk) == 0
    assert count(desk, "SELECT COUNT(*) FROM quarantine") == 0
    unpoison(desk)
    report = run(desk)
    assert (report.stored, report.quarantined) == (3, 0)
