"""`reply` and `remind` through the CLI: refusals, the editor, dry runs, the outbox."""

from __future__ import annotations

import email
import email.policy
import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import Workspace

NOW = "2026-10-14T08:30:00Z"

FI_MAIL = (
    b"From: Matti Virtanen <matti.virtanen@acme.fi>\n"
    b"To: support@agency.example\n"
    b"Subject: Sivusto alhaalla\n"
    b"Message-ID: <fi-1@acme.fi>\n"
    b"Date: Wed, 14 Oct 2026 10:55:00 +0300\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 8bit\n"
    b"\n" + b"Hei, etusivu ei toimi.\n\nMatti\n"
)


@pytest.fixture
def ticket(workspace: Workspace):  # type: ignore[no-untyped-def]
    workspace.now(NOW)
    workspace.customer("acme", "maintenance", name="Acme Oy", domain="acme.fi", locale="fi_FI")
    workspace.contact("acme", "matti.virtanen@acme.fi", name="Matti Virtanen")
    workspace.person("alice", "Alice Mäkinen", "alice@agency.example")
    workspace.fetch(FI_MAIL)
    return workspace.root


def _with_smtp(workspace: Path, port: int = 1) -> None:
    config = workspace / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n',
        encoding="utf-8",
    )


def _editor(tmp_path: Path, script: str) -> str:
    path = tmp_path / "editor.sh"
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_reply_cli_without_smtp_config_is_exit_3_with_a_hint(cli, ticket, snapshot):  # type: ignore[no-untyped-def]
    before = snapshot()
    result = cli.fails(3, "reply", "1", "-m", "Hei")
    assert (
        result.stderr.splitlines()[0]
        == f"error: no [smtp] section in {ticket / 'config.toml'}: cannot send mail"
    )
    assert result.stderr.splitlines()[1].startswith("hint: add [smtp] with host, port and tls")
    assert snapshot() == before


def test_reply_cli_unknown_ticket_is_exit_2(cli, ticket, snapshot):  # type: ignore[no-untyped-def]
    _with_smtp(ticket)
    before = snapshot()
    result = cli.fails(2, "reply", "99", "-m", "Hei")
    assert result.stderr.startswith("error: no ticket #99\n")
    assert snapshot() == before


@pytest.mark.parametrize(
    "text", ["", "   \n\n", "2026-10-14 10:55 Matti <m@acme.fi> kirjoitti:\n> Hei\n"]
)
def test_reply_cli_empty_message_is_exit_2_and_nothing_sent(cli, ticket, snapshot, text):  # type: ignore[no-untyped-def]
    _with_smtp(ticket)
    before = snapshot()
    result = cli.fails(2, "reply", "1", "-m", text)
    assert result.stderr.startswith("error: empty message: nothing sent on ticket #1\n")
    assert snapshot() == before
    assert not (ticket / "drafts").exists()


def test_reply_cli_editor_left_with_only_the_quote_sends_nothing(cli, ticket, tmp_path, snapshot):  # type: ignore[no-untyped-def]
    _with_smtp(ticket)
    before = snapshot()
    cli.fails(2, "reply", "1", env={"EDITOR": _editor(tmp_path, "true")})
    assert snapshot() == before


def test_reply_cli_editor_text_goes_out_above_the_quote(cli, ticket, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_OUTBOX", str(tmp_path / "outbox"))
    _with_smtp(ticket)
    editor = _editor(
        tmp_path, 'printf "Hei Matti, korjattu.\\n%s" "$(cat "$1")" > "$1.new" && mv "$1.new" "$1"'
    )
    result = cli.ok("reply", "1", "--as", "alice", env={"EDITOR": editor})
    assert "sent reply on #1 to matti.virtanen@acme.fi" in result.stdout
    [path] = sorted((tmp_path / "outbox").glob("*.eml"))
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = msg.get_content().replace("\r\n", "\n")
    assert body.startswith("Hei Matti, korjattu.\n")
    assert (
        "2026-10-14 10:55 Matti Virtanen <matti.virtanen@acme.fi> kirjoitti:\n> Hei, etusivu ei toimi.\n>\n> Matti\n"
        in body
    )


def test_reply_cli_template_in_the_customers_language(cli, ticket, tmp_path):  # type: ignore[no-untyped-def]
    _with_smtp(ticket)
    result = cli.ok(
        "reply",
        "1",
        "--template",
        "need-info",
        "--dry-run",
        "--as",
        "alice",
        env={"EDITOR": _editor(tmp_path, "true")},
    )
    assert "Subject: Re: [#1] Sivusto alhaalla" in result.stdout
    assert "Hei Matti,\n\nkiitos viestistäsi." in result.stdout
    assert "Alice Mäkinen" in result.stdout
    assert "(dry run: nothing sent or recorded)" in result.stderr


def test_reply_cli_template_with_m_is_filled_without_an_editor(cli, ticket, tmp_path):  # type: ignore[no-untyped-def]
    _with_smtp(ticket)
    failing = {"EDITOR": _editor(tmp_path, "exit 1")}  # an editor would fail: none runs
    result = cli.ok(
        "reply",
        "1",
        "--template",
        "need-info",
        "-m",
        "Sivu on nyt taas auki.",
        "--dry-run",
        "--as",
        "alice",
        env=failing,
    )
    assert "Hei Matti,\n\nSivu on nyt taas auki.\n\nkiitos viestistäsi." in result.stdout


def test_reply_cli_template_without_a_terminal_goes_as_it_is(cli, ticket, tmp_path):  # type: ignore[no-untyped-def]
    _with_smtp(ticket)
    failing = {"EDITOR": _editor(tmp_path, "exit 1")}
    result = cli(
        "reply", "1", "--template", "investigating", "--dry-run", "--as", "alice", env=failing
    )
    assert result.exit_code == 0, result.stderr
    assert "Editing failed" not in result.stderr and "internal error" not in result.stderr
    assert "Hei Matti,\n\nkiitos ilmoituksesta." in result.stdout


def test_reply_cli_template_with_a_place_to_fill_needs_m(cli, ticket, tmp_path, snapshot):  # type: ignore[no-untyped-def]
    _with_smtp(ticket)
    folder = ticket / "templates" / "mail" / "canned"
    folder.mkdir(parents=True)
    (folder / "fixed.txt.j2").write_text(
        "{# Fixed: says what was done. #}\nHei {{ requester_name }},\n\nkorjasimme: {{ text }}\n\n{{ me.name }}\n",
        encoding="utf-8",
    )
    before = snapshot()
    result = cli.fails(2, "reply", "1", "--template", "fixed", "--as", "alice")
    assert "the canned reply 'fixed' has a place for your own text ({{ text }})" in result.stderr
    assert "--template fixed -m" in result.stderr
    cli.fails(2, "reply", "1", "--template", "fixed", "--dry-run", "--as", "alice")
    assert snapshot() == before
    out = cli.ok(
        "reply",
        "1",
        "--template",
        "fixed",
        "-m",
        "välimuisti tyhjennetty",
        "--dry-run",
        "--as",
        "alice",
    ).stdout
    assert "korjasimme: välimuisti tyhjennetty\n\nAlice Mäkinen" in out


def test_reply_cli_a_failing_editor_is_exit_2_not_an_internal_error(
    cli, ticket, tmp_path, snapshot
):  # type: ignore[no-untyped-def]
    _with_smtp(ticket)
    before = snapshot()
    result = cli.fails(2, "reply", "1", env={"EDITOR": str(tmp_path / "no-such-editor")})
    assert result.stderr.startswith("error: cannot start the editor")
    assert snapshot() == before


def test_reply_cli_dry_run_needs_no_smtp_and_records_nothing(cli, ticket, snapshot):  # type: ignore[no-untyped-def]
    before = snapshot()
    result = cli.ok(
        "reply", "1", "--dry-run", "-m", "Hei, katsomme asiaa.", "--cc", "liisa@acme.fi"
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "From: Alice Mäkinen / Our Agency <support@agency.example>"
    assert "To: matti.virtanen@acme.fi" in lines
    assert "Cc: liisa@acme.fi" in lines
    assert "In-Reply-To: <fi-1@acme.fi>" in lines
    assert lines[-1] == "Hei, katsomme asiaa."
    assert snapshot() == before
    data = cli.json("reply", "1", "--dry-run", "-m", "Hei", "--json")
    assert data["dry_run"] is True and data["to"] == ["matti.virtanen@acme.fi"]
    assert snapshot() == before


def test_reply_cli_bad_cc_and_missing_attachment_are_exit_2(cli, ticket, tmp_path, snapshot):  # type: ignore[no-untyped-def]
    _with_smtp(ticket)
    before = snapshot()
    assert (
        "--cc 'liisa' is not a mail address"
        in cli.fails(2, "reply", "1", "-m", "Hei", "--cc", "liisa").stderr
    )
    assert (
        "cannot read attachment"
        in cli.fails(2, "reply", "1", "-m", "Hei", "--attach", str(tmp_path / "nope.pdf")).stderr
    )
    assert (
        "not both" in cli.fails(2, "reply", "1", "-m", "Hei", "--file", str(tmp_path / "x")).stderr
    )
    assert "which ticket" in cli.fails(2, "reply", "-m", "Hei").stderr
    assert snapshot() == before


def test_reply_cli_templates_listing(cli, initialized):  # type: ignore[no-untyped-def]
    data = cli.json("reply", "--templates", "--json")
    assert [t["id"] for t in data] == ["investigating", "need-info", "resolved"]
    assert all(t["languages"] == ["fi", "cs", "en"] for t in data)
    text = cli.ok("reply", "--templates").stdout
    assert "need-info" in text and "reply N --template NAME" in text


def test_reply_cli_outbox_records_the_reply_as_sent(cli, ticket, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_OUTBOX", str(tmp_path / "outbox"))
    data = cli.json("reply", "1", "-m", "Hei, korjattu.", "--json", "--as", "alice")
    assert data["first_response"] is True and data["kind"] == "reply"
    assert data["sent_via"].startswith(str(tmp_path / "outbox"))
    assert os.path.exists(data["sent_via"])


def test_remind_cli_nothing_due(cli, initialized, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    assert cli.ok("remind").stdout == "no ticket is within one business hour of an SLA breach\n"
    data = cli.json("remind", "--json")
    assert data == {"owners": [], "mails": [], "unowned": [], "dry_run": False}


def test_help_for_reply_and_remind_has_examples(cli):  # type: ignore[no-untyped-def]
    for name in ("reply", "remind"):
        assert "Example:" in cli.ok(name, "--help").stdout


def test_reply_cli_json_listing_is_one_document(cli, initialized):  # type: ignore[no-untyped-def]
    json.loads(cli.ok("reply", "--templates", "--json").stdout)


def test_reply_cli_unknown_ticket_is_exit_2_even_without_smtp(cli, ticket, snapshot):  # type: ignore[no-untyped-def]
    before = snapshot()
    assert cli.fails(2, "reply", "42", "-m", "Hei").stderr.startswith("error: no ticket #42\n")
    assert snapshot() == before
