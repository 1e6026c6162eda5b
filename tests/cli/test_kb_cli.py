"""`kb ...`, the knowledge base through the CLI: articles, history, refusals, links to
tickets, suggestions in `ticket show`, `reply --kb`, `search`, `kb export`."""

from __future__ import annotations

import email
import email.policy
import stat
from pathlib import Path
from typing import Any

import pytest

from supportctl.store.db import open_store
from tests.conftest import Workspace

pytestmark = pytest.mark.both_engines

NOW = "2026-10-14T08:30:00Z"

MAIL = (
    b"From: Matti Virtanen <matti.virtanen@acme.fi>\n"
    b"To: support@agency.example\n"
    b"Subject: Salasana ei kelpaa WordPressiin\n"
    b"Message-ID: <kb-1@acme.fi>\n"
    b"Date: Wed, 14 Oct 2026 10:55:00 +0300\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 8bit\n"
    b"\n" + "Hei, en pääse kirjautumaan WordPressiin: salasana ei kelpaa.\n\nMatti\n".encode()
)


def _editor(tmp_path: Path, script: str) -> str:
    path = tmp_path / "editor.sh"
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.fixture
def desk(workspace: Workspace) -> Any:
    workspace.now(NOW)
    workspace.customer("acme", "adhoc", name="Acme Oy", rate=75, domain="acme.fi", locale="fi_FI")
    workspace.person("alice", "Alice", "alice@agency.example")
    workspace.fetch(MAIL)
    return workspace.cli


def test_kb_add_show_list_edit_rm_keep_every_change(desk: Any) -> None:
    out = desk.ok(
        "kb", "add", "Salasanan vaihto WordPressissä", "--lang", "fi", "--tag", "wordpress",
        "-m", "Kirjaudu sisään ja vaihda salasana profiilissa.", "--shared", "--as", "alice",
    )  # fmt: skip
    assert out.stdout.strip() == "article 1 added (fi, shared)"
    desk.ok(
        "kb", "add", "Changing a WordPress password", "--lang", "en", "--translation-of", "1",
        "--shared", "-m", "Log in and change the password in your profile.",
    )  # fmt: skip
    items = desk.json("kb", "list", "--json")
    assert {(a["id"], a["title"], a["lang"]) for a in items} == {
        (1, "Salasanan vaihto WordPressissä", "fi"),
        (2, "Changing a WordPress password", "en"),
    }
    assert all(a["uses"] == 0 and a["last_used_at"] is None for a in items)
    shown = desk.json("kb", "show", "1", "--json")
    assert shown["translations"] == [
        {"id": 2, "lang": "en", "title": "Changing a WordPress password"}
    ]
    assert shown["tags"] == ["wordpress"] and shown["created_by"] == "alice"
    desk.ok("kb", "edit", "1", "--tag", "passwords", "--internal", "--as", "alice")
    desk.ok("kb", "edit", "1", "-m", "Uusi teksti.", "--title", "Salasanan vaihto")
    shown = desk.json("kb", "show", "1", "--json")
    assert shown["title"] == "Salasanan vaihto" and shown["visibility"] == "internal"
    assert shown["body"] == "Uusi teksti.\n"
    assert [h["action"] for h in shown["history"]] == ["created", "edited", "edited"]
    assert shown["history"][0]["body"].startswith("Kirjaudu sisään")
    assert shown["history"][1]["tags"] == ["passwords", "wordpress"]
    assert desk.ok("kb", "edit", "1", "--tag", "passwords").stdout.strip() == "article 1 unchanged"
    assert [h["action"] for h in desk.json("kb", "show", "1", "--json")["history"]][-1] == "edited"
    assert [a["id"] for a in desk.json("kb", "list", "--tag", "passwords", "--json")] == [1]
    assert [a["id"] for a in desk.json("kb", "list", "--lang", "en", "--json")] == [2]
    desk.fails(2, "kb", "rm", "1")  # an original with a translation
    desk.ok("kb", "rm", "2")
    desk.fails(2, "kb", "show", "2")
    assert [a["id"] for a in desk.json("kb", "list", "--json")] == [1]
    assert desk.json("kb", "search", "password", "--json") == []
    store = open_store(desk_db())
    assert [r[0] for r in store.all("SELECT action FROM article_history WHERE article_id = 2")] == [
        "created",
        "removed",
    ]
    store.close()


def desk_db() -> str:
    import os

    return os.environ["SUPPORTCTL_DB"]


@pytest.mark.parametrize(
    "args",
    [
        ("kb", "add", "", "-m", "text"),
        ("kb", "add", "   ", "-m", "text"),
        ("kb", "add", "Title", "-m", "text", "--lang", "de"),
        ("kb", "add", "Title", "-m", "   "),
        ("kb", "add", "Title", "-m", "text", "--tag", "no spaces"),
        ("kb", "add", "Title", "-m", "text", "--translation-of", "99"),
        ("kb", "add", "Title", "-m", "text", "--file", "/nonexistent/file"),
        ("kb", "add", "--from-ticket", "99", "--yes"),
        ("kb", "edit", "99", "-m", "text"),
        ("kb", "edit", "1", "--title", ""),
        ("kb", "edit", "1", "--lang", "xx"),
        ("kb", "show", "99"),
        ("kb", "rm", "99"),
        ("kb", "suggest", "99"),
        ("kb", "list", "--lang", "sv"),
        ("kb", "search", ""),
        ("kb", "export", "out", "--format", "pdf"),
        ("kb", "add", "Other", "--lang", "fi", "--translation-of", "1", "-m", "x"),
    ],
)
def test_kb_bad_input_is_exit_2_one_line_nothing_written(
    desk: Any, snapshot: Any, args: tuple[str, ...]
) -> None:
    desk.ok("kb", "add", "Original", "--lang", "fi", "-m", "Teksti.")
    before = snapshot()
    result = desk.fails(2, *args)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ") and len([x for x in lines if x.startswith("error")]) == 1
    assert snapshot() == before


def test_kb_add_without_text_opens_the_editor(desk: Any, tmp_path: Path) -> None:
    editor = _editor(tmp_path, 'printf "# Edited title\\n\\nFrom the editor.\\n" > "$1"')
    desk.ok("kb", "add", "Draft title", env={"EDITOR": editor})
    shown = desk.json("kb", "show", "1", "--json")
    assert (shown["title"], shown["body"]) == ("Edited title", "From the editor.\n")
    # An editor left empty (only the title) saves nothing.
    before = desk.json("kb", "list", "--json")
    desk.fails(2, "kb", "add", "Empty", env={"EDITOR": _editor(tmp_path, "true")})
    assert desk.json("kb", "list", "--json") == before
    # kb edit with no options edits the whole article in the editor.
    editor = _editor(tmp_path, 'sed -i "s/From the editor./Changed there./" "$1"')
    desk.ok("kb", "edit", "1", env={"EDITOR": editor})
    assert desk.json("kb", "show", "1", "--json")["body"] == "Changed there.\n"


def test_kb_from_ticket_drafts_links_and_ticket_show_names_it(desk: Any, tmp_path: Path) -> None:
    desk.ok("ticket", "note", "1", "Reset via wp-cli: wp user update matti --user_pass=…")
    desk.ok("delegate", "1", "reset the password", "--to", "alice", "--skill", "wordpress")
    desk.ok("kb", "add", "--from-ticket", "1", "--yes")
    shown = desk.json("kb", "show", "1", "--json")
    assert shown["title"] == "Salasana ei kelpaa WordPressiin"
    assert shown["lang"] == "fi" and shown["ticket"] == 1 and shown["visibility"] == "internal"
    assert "> Hei, en pääse kirjautumaan WordPressiin: salasana ei kelpaa." in shown["body"]
    assert "- Reset via wp-cli" in shown["body"]
    assert shown["tags"] == ["wordpress"]
    show = desk.ok("ticket", "show", "1").stdout
    assert "Knowledge base articles written from this ticket:" in show
    assert "1  Salasana ei kelpaa WordPressiin  (supportctl kb show 1)" in show
    # --edit opens the editor on the draft even without a terminal.
    editor = _editor(tmp_path, 'sed -i "1s/.*/# Kirjautuminen ei onnistu/" "$1"')
    desk.ok("kb", "add", "--from-ticket", "1", "--edit", "--lang", "en", env={"EDITOR": editor})
    second = desk.json("kb", "show", "2", "--json")
    assert second["title"] == "Kirjautuminen ei onnistu" and second["lang"] == "en"
    assert "## Question" in second["body"]


def test_ticket_show_ends_with_suggestions_and_their_reasons(desk: Any) -> None:
    desk.ok(
        "kb", "add", "Salasanan vaihto WordPressissä", "--lang", "fi", "--shared",
        "-m", "Kirjaudu sisään ja vaihda salasana profiilissa.",
    )  # fmt: skip
    desk.ok("kb", "add", "Laskun eräpäivä", "--lang", "fi", "-m", "Lasku maksetaan 14 päivässä.")
    show = desk.ok("ticket", "show", "1").stdout
    tail = show[show.index("Suggested:") :]
    assert "article 1 (fi, shared)  Salasanan vaihto WordPressissä" in tail
    assert "matched: salasana, wordpressiin; open: supportctl kb show 1" in tail
    assert "Laskun" not in tail
    found = desk.json("kb", "suggest", "1", "--json")
    assert [(a["id"], a["title"]) for a in found["articles"]] == [
        (1, "Salasanan vaihto WordPressissä")
    ]
    assert found["articles"][0]["open"] == "supportctl kb show 1"
    assert found["tickets"] == []


def test_ticket_show_without_anything_relevant_shows_no_suggestion(desk: Any) -> None:
    desk.ok("kb", "add", "Laskun eräpäivä", "--lang", "fi", "-m", "Lasku maksetaan 14 päivässä.")
    assert "Suggested:" not in desk.ok("ticket", "show", "1").stdout
    assert desk.json("kb", "suggest", "1", "--json")["articles"] == []


def test_similar_resolved_ticket_is_suggested(desk: Any) -> None:
    desk.ok(
        "ticket", "new", "--customer", "acme", "--from", "liisa@acme.fi",
        "WordPress salasana unohtui", "En pääse kirjautumaan, salasana hukassa",
    )  # fmt: skip
    assert desk.json("kb", "suggest", "1", "--json")["tickets"] == []  # not resolved yet
    desk.ok("ticket", "status", "2", "resolved")
    [similar] = desk.json("kb", "suggest", "1", "--json")["tickets"]
    assert similar["id"] == 2 and similar["status"] == "resolved"
    assert {"salasana", "wordpressiin", "kirjautumaan"} <= set(similar["words"])
    assert similar["open"] == "supportctl ticket show 2"


def test_reply_kb_puts_the_translation_in_and_counts_the_use(
    desk: Any, initialized: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTCTL_OUTBOX", str(tmp_path / "outbox"))
    config = initialized / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[smtp]\nhost = "127.0.0.1"\nport = 1\ntls = "none"\n',
        encoding="utf-8",
    )
    desk.ok("kb", "add", "Password", "--lang", "en", "--shared", "-m", "Use the reset link.")
    desk.ok(
        "kb", "add", "Salasana", "--lang", "fi", "--shared", "--translation-of", "1",
        "-m", "Käytä palautuslinkkiä.",
    )  # fmt: skip
    desk.ok("kb", "add", "Internal", "--lang", "fi", "-m", "Admin password is in the vault.")
    before = sorted((tmp_path / "outbox").glob("*.eml")) if (tmp_path / "outbox").exists() else []
    desk.fails(2, "reply", "1", "--kb", "3", "-m", "Hei")
    desk.fails(2, "reply", "1", "--kb", "99", "-m", "Hei")
    after = sorted((tmp_path / "outbox").glob("*.eml")) if (tmp_path / "outbox").exists() else []
    assert after == before
    desk.ok("reply", "1", "--kb", "1", "-m", "Hei Matti,", "--as", "alice")
    [path] = sorted((tmp_path / "outbox").glob("*.eml"))
    body = email.message_from_bytes(path.read_bytes(), policy=email.policy.default).get_content()
    assert body.replace("\r\n", "\n").startswith("Hei Matti,\n\nKäytä palautuslinkkiä.\n")
    listed = {a["id"]: a for a in desk.json("kb", "list", "--json")}
    assert listed[2]["uses"] == 1 and listed[2]["last_used_at"] == NOW
    assert listed[1]["uses"] == 0
    show = desk.ok("ticket", "show", "1").stdout
    assert "knowledge-base article 2 (fi) used in a reply: Salasana" in show


def test_search_finds_articles_too(desk: Any) -> None:
    desk.ok("kb", "add", "Salasanan vaihto", "--lang", "fi", "-m", "Vaihda salasana profiilissa.")
    both = desk.json("search", "salasana", "--json")
    assert [(h["source"], h["id"]) for h in both] == [("kb", 1), ("subject", 1)]
    assert [h["source"] for h in desk.json("search", "salasana", "--kb", "--json")] == ["kb"]
    assert [h["source"] for h in desk.json("search", "salasana", "--tickets", "--json")] == [
        "subject"
    ]
    desk.fails(2, "search", "salasana", "--kb", "--tickets")
    hits = desk.json("kb", "search", "SALASANA", "--json")
    assert [(h["id"], h["title"]) for h in hits] == [(1, "Salasanan vaihto")]
    assert "**salasana**" in hits[0]["snippet"]


def test_kb_show_and_list_make_hostile_text_harmless(desk: Any) -> None:
    desk.ok("kb", "add", "Evil [bold]x[/bold] \x1b]52;c;AAAA\x07", "-m", "Body \x1b[31mred\u202e")
    listing = desk.ok("kb", "list").stdout
    show = desk.ok("kb", "show", "1").stdout
    for out in (listing, show):
        assert "\x1b" not in out and "\x07" not in out
        assert "[bold]x[/bold]" in out
    assert "\u202e" not in show and "<U+202E>" in show and "␛[31mred" in show


def test_kb_export_writes_valid_escaped_html_and_markdown(desk: Any, tmp_path: Path) -> None:
    import html5lib

    desk.ok(
        "kb", "add", "<script>alert(1)</script> & <b>co</b>", "--lang", "cs", "--shared",
        "-m", "Hello <img src=x onerror=alert(1)>\n\n[link](javascript:alert(1))\n\n* item",
    )  # fmt: skip
    desk.ok("kb", "add", "Ohje", "--lang", "fi", "--shared", "-m", "Näin se *toimii*.")
    desk.ok("kb", "add", "Secret", "--lang", "fi", "-m", "Internal only.")
    out = tmp_path / "site"
    result = desk.ok("kb", "export", str(out))
    assert result.stdout.strip() == f"wrote 2 articles, 5 files into {out}"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["cs/1.html", "cs/index.html", "fi/2.html", "fi/index.html", "index.html"]
    for name in files:
        path = out / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text(encoding="utf-8")
        html5lib.HTMLParser(strict=True).parse(text)  # raises on any parse error
        assert (
            "<script>" not in text
            and "<img" not in text
            and "javascript:" not in text.split("[link]")[0]
        )
        assert "Secret" not in text
    page = (out / "cs" / "1.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<li>item</li>" in page
    assert 'href="javascript' not in page
    assert "<em>toimii</em>" in (out / "fi" / "2.html").read_text(encoding="utf-8")
    md = tmp_path / "md"
    desk.ok("kb", "export", str(md), "--format", "md")
    text = (md / "cs" / "1.md").read_text(encoding="utf-8")
    assert "<img" not in text and "&lt;img" in text
    assert text.startswith("# \\<script\\>alert(1)\\</script\\> & \\<b\\>co\\</b\\>\n")
    assert not list(md.rglob("*.tmp"))


def test_kb_add_guesses_the_language_when_not_given(desk: Any) -> None:
    desk.ok("kb", "add", "Heslo", "-m", "Dobrý den, heslo se mění v profilu a je to snadné.")
    desk.ok("kb", "add", "Salasana", "-m", "Hei, salasana vaihdetaan profiilissa ja se on helppoa.")
    desk.ok("kb", "add", "Password", "-m", "The password is changed in the profile.")
    assert [a["lang"] for a in desk.json("kb", "list", "--json")] == ["en", "fi", "cs"]


def test_reply_kb_with_a_filled_canned_reply(desk: Any, initialized: Path) -> None:
    config = initialized / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[smtp]\nhost = "127.0.0.1"\nport = 1\ntls = "none"\n',
        encoding="utf-8",
    )
    desk.ok("kb", "add", "Salasana", "--lang", "fi", "--shared", "-m", "Käytä palautuslinkkiä.")
    out = desk.ok(
        "reply", "1", "--template", "investigating", "-m", "Tunnus on lukittu.", "--kb", "1",
        "--dry-run", "--as", "alice",
    ).stdout  # fmt: skip
    body = out.split("\n\n", 1)[1]
    assert "\n\nTunnus on lukittu.\n\nkiitos ilmoituksesta." in body
    assert body.rstrip().endswith("Käytä palautuslinkkiä.")
