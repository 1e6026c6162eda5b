"""Mail connections against the real Dovecot: one failing folder or account is
reported (with the server's folders) while the rest syncs; a failed login is one
readable line."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.integration.test_imap_ingest import append, mail

pytestmark = pytest.mark.integration


@pytest.fixture
def box(initialized: Path, imap, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    """The workspace and the private Dovecot; each test writes its own [[imap]] accounts."""
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap.password)
    return SimpleNamespace(root=initialized, imap=imap)


def _accounts(box, *accounts: str) -> None:  # type: ignore[no-untyped-def]
    config = box.root / "config.toml"
    text = config.read_text().split("# # One [[imap]]")[0].split("\n[[imap]]")[0]
    config.write_text(text + "".join(accounts))


def _account(box, name: str, *, folders=("INBOX",), archive=None, password_env="TEST_IMAP_PASSWORD"):  # type: ignore[no-untyped-def]  # fmt: skip
    imap = box.imap
    return (
        f'\n[[imap]]\nname = "{name}"\nhost = "127.0.0.1"\nport = {imap.port}\ntls = "none"\n'
        f'user = "{imap.user}"\npassword_env = "{password_env}"\n'
        f"folders = {json.dumps(list(folders))}\n"
        + (f'archive_folder = "{archive}"\n' if archive else "")
    )


def _tickets(cli) -> int:  # type: ignore[no-untyped-def]
    return len(cli.json("inbox", "--no-fetch", "--all", "--json"))


def test_a_missing_folder_is_named_with_the_servers_folders_and_the_rest_syncs(cli, box) -> None:
    append(box.imap, "INBOX", [mail(1), mail(2)])
    append(box.imap, "Support", [mail(3)])
    _accounts(box, _account(box, "support", folders=("Archive/Support", "INBOX", "Support")))
    result = cli.fails(6, "fetch")
    assert "stored 3 messages" in result.stderr
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert "folder 'Archive/Support'" in warning
    assert "the server's folders: INBOX, Support" in warning
    assert result.stderr.strip().splitlines()[-2].startswith("error: 1 mail folder")
    assert _tickets(cli) == 3


def test_an_archive_folder_the_server_refuses_is_reported_and_mail_is_kept(cli, box) -> None:
    append(box.imap, "INBOX", [mail(1)])
    append(box.imap, "Other", [mail(2)])
    _accounts(box, _account(box, "support", folders=("INBOX", "Other"), archive="~Archive"))
    result = cli.fails(6, "fetch")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert (
        "folder 'INBOX'" in warnings[0]
        and "~Archive" in warnings[0]
        and "Begins with" in warnings[0]
    )
    assert "folder 'Other'" in warnings[1]
    assert _tickets(cli) == 2  # both folders were read and stored; only the move failed


def test_one_account_failing_does_not_stop_the_others(
    cli, box, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WRONG_PASSWORD", "not-the-password")
    append(box.imap, "INBOX", [mail(1), mail(2)])
    _accounts(
        box,
        _account(box, "old", password_env="WRONG_PASSWORD"),
        _account(box, "support"),
    )
    result = cli.fails(6, "fetch")
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert "cannot log in to imap account 'old'" in warning
    assert _tickets(cli) == 2


def test_a_failed_login_is_one_readable_line(cli, box, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "wrong")
    _accounts(box, _account(box, "support"))
    result = cli.fails(6, "fetch")
    line = result.stderr.splitlines()[0]
    assert line.startswith("error: cannot log in to imap account 'support'")
    assert "b'" not in line and 'b"' not in line and "\\r" not in line
    assert "Authentication failed" in line


def test_a_folder_problem_keeps_json_clean(cli, box: Path) -> None:
    append(box.imap, "INBOX", [mail(1)])
    _accounts(box, _account(box, "support", folders=("INBOX", "Gone")))
    result = cli.fails(6, "fetch", "--json")
    assert result.stdout == ""


def test_inbox_names_a_failing_folder_and_still_shows_the_queue(cli, box) -> None:
    append(box.imap, "INBOX", [mail(1)])
    _accounts(box, _account(box, "support", folders=("Gone", "INBOX")))
    result = cli.ok("inbox")
    assert "folder 'Gone'" in result.stderr and "the server's folders: INBOX" in result.stderr
    assert "Kysymys 1" in result.stdout
    assert "folder 'Gone'" in cli.fails(6, "inbox", "--strict").stderr
