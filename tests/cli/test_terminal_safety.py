"""Customer text never drives the terminal and is never rich markup, in every view.

Each escape class rides in a message's subject, display name, body and attachment
name; the views are run piped (plain: no ESC at all) and with `--color` (rich, colour
on: only the program's own SGR colour codes). Markup-looking subjects are shown
literally with exit 0.
"""

from __future__ import annotations

import re
import urllib.parse
from base64 import b64encode
from pathlib import Path

import pytest

NOW = {"SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"}
COLOR = {**NOW, "NO_COLOR": None}

ESCAPES = {
    "osc52": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "csi": "\x1b[2J\x1b[H\x1b[1;31r",
    "sgr8": "\x1b[8mpiilotettu\x1b[0m",
    "osc8": "\x1b]8;;http://evil.example/\x1b\\Lasku erääntynyt\x1b]8;;\x1b\\",
    "title": "\x1b]0;pwned\x07\x1b]2;pwned\x1b\\",
    "c1": "\u009b2J\u009d0;pwned\u009c\u0085",
    "bidi": "lasku\u202efdp.exe\u2066x\u2069",
}
# The customer's bytes that must never reach the output in any form.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
OUR_SGR = re.compile("\x1b\\[[0-9;]*m")
MARKUP = ["[/b] tilaus", "[link=http://x]y[/link]", "[bold red]Kiireellinen", "[/bold]"]


def _word(text: str) -> str:
    return "=?utf-8?b?" + b64encode(text.encode()).decode() + "?="


def _message(n: int, payload: str, subject: str | None = None) -> bytes:
    name = urllib.parse.quote(f"liite{payload}.pdf", safe="")
    return (
        f"From: {_word('Matti ' + payload + ' Virtanen')} <matti@acme.fi>\n"
        "To: tuki@agency.example\n"
        f"Subject: {subject if subject is not None else _word('Hälytys ' + payload + ' lomake')}\n"
        f"Message-ID: <esc{n}@acme.fi>\nDate: Tue, 13 Oct 2026 10:{n:02d}:00 +0300\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        f"lomake ei toimi {payload} loppu\n"
        "--b\nContent-Type: application/pdf\n"
        f"Content-Disposition: attachment; filename*=utf-8''{name}\n"
        "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n"
    ).encode()


@pytest.fixture
def hostile(cli, initialized: Path, tmp_path: Path) -> Path:
    cli.ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "maintenance")
    cli.ok("contact", "add", "acme", "matti@acme.fi", "--can-order")
    cli.ok(
        "team",
        "add",
        "alice",
        "--name",
        "Alice",
        "--email",
        "alice@agency.example",
        "--skill",
        "wordpress:5",
    )
    cli.ok(
        "team",
        "add",
        "bob",
        "--name",
        "Bob",
        "--email",
        "bob@agency.example",
        "--skill",
        "wordpress:3",
    )
    messages = [_message(n, p) for n, p in enumerate(ESCAPES.values(), 1)]
    messages += [_message(n, "", subject=s) for n, s in enumerate(MARKUP, len(ESCAPES) + 1)]
    box = tmp_path / "hostile.mbox"
    with box.open("wb") as fh:
        for raw in messages:
            fh.write(b"From x@y Tue Oct 13 10:00:00 2026\n" + raw + b"\n")
    cli.ok("fetch", "--source", f"mbox:{box}", env=NOW)
    tickets = [r["id"] for r in cli.json("inbox", "--json", "--all", env=NOW)]
    assert len(tickets) == len(messages)
    for tid in tickets:
        cli.ok(
            "delegate",
            str(tid),
            f"tarkista #{tid}",
            "--skill",
            "wordpress",
            "--as",
            "alice",
            env=NOW,
        )
        cli.ok("log", str(tid), "15m", "katsottu", "--as", "alice", "--allow-overlap", env=NOW)
    (tmp_path / "one.eml").write_bytes(messages[0])
    return tmp_path


def _views(tmp: Path, tickets: list[int]) -> list[list[str]]:
    views = [
        ["inbox", "--no-fetch", "--all"],
        ["search", "lomake"],
        ["search", "Hälytys"],
        ["delegated"],
        ["delegated", "--format", "md"],
        ["log", "list", "--month", "2026-10"],
        ["report", "2026-10"],
        ["fetch", "--explain", str(tmp / "one.eml")],
    ]
    views += [["ticket", "show", str(t)] for t in tickets]
    views += [["ticket", "show", str(t), "--full"] for t in tickets[:2]]
    return views


def test_no_customer_escape_reaches_any_view(cli, hostile: Path) -> None:
    tickets = [r["id"] for r in cli.json("inbox", "--json", "--all", env=NOW)]
    for args in _views(hostile, tickets):
        plain = cli.ok(*args, env=NOW)
        for stream in (plain.stdout, plain.stderr):
            assert "\x1b" not in stream, (args, stream)
            assert not FORBIDDEN.search(stream), (args, FORBIDDEN.findall(stream))
        rich = cli.ok("--color", *args, env=COLOR)
        for stream in (rich.stdout, rich.stderr):
            rest = OUR_SGR.sub("", stream)
            assert not FORBIDDEN.search(rest), (args, FORBIDDEN.findall(rest)[:5])
            assert "\x1b]" not in stream  # no OSC at all: no title, clipboard or link
    shown = cli.ok("ticket", "show", str(tickets[0]), env=NOW).stdout
    assert "␛]52;c;" in shown  # visible, so the reader sees something odd was there
    assert "<U+202E>" in cli.ok("ticket", "show", str(tickets[6]), env=NOW).stdout


def test_markup_in_subjects_is_shown_literally(cli, hostile: Path) -> None:
    rows = cli.json("inbox", "--json", "--all", env=NOW)
    by_subject = {r["subject"]: r["id"] for r in rows}
    for subject in MARKUP:
        tid = by_subject[subject]
        for env, extra in ((NOW, ()), (COLOR, ("--color",))):
            show = cli.ok(*extra, "ticket", "show", str(tid), env=env).stdout
            assert subject in OUR_SGR.sub("", show), (subject, show)
    inbox = OUR_SGR.sub("", cli.ok("--color", "inbox", "--no-fetch", "--all", env=COLOR).stdout)
    assert "[link=http://x]y[/link]" in inbox and "[bold red]Kiireellinen" in inbox
    assert "\x1b]8" not in cli.ok("--color", "inbox", "--no-fetch", "--all", env=COLOR).stdout
    found = OUR_SGR.sub("", cli.ok("--color", "search", "Kiireellinen", env=COLOR).stdout)
    assert "[bold red]Kiireellinen" in found


def test_our_reply_subject_carries_no_control_characters() -> None:
    from supportctl.mail.compose import tagged_subject

    for payload in ESCAPES.values():
        subject = tagged_subject(f"Hälytys {payload} lomake", 7)
        assert not FORBIDDEN.search(subject), repr(subject)
        assert subject.startswith("Re: [#7] Hälytys")


def test_a_real_terminal_keeps_its_title_screen_and_clipboard(
    cli, hostile: Path, workspace_env: Path
) -> None:
    """The views run inside tmux: its pane title, window name, paste buffers (where
    OSC 52 lands) and the screen above the output stay as they were."""
    import os
    import shutil
    import subprocess
    import sys
    import time

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (scripts/test installs it when run as root)")
    tickets = [r["id"] for r in cli.json("inbox", "--json", "--all", env=NOW)]
    exe = f"{sys.executable} -m supportctl --color"
    script = hostile / "views.sh"
    lines = [
        f"export SUPPORTCTL_CONFIG={workspace_env / 'config.toml'}",
        f"export SUPPORTCTL_DB={workspace_env / 'supportctl.db'}",
        "export SUPPORTCTL_NOW=2026-10-14T08:30:00Z COLUMNS=160",
        "unset NO_COLOR",
        "clear",
        "echo BEFORE-THE-VIEWS",
        f"{exe} inbox --no-fetch --all > /dev/null",  # warm up, nothing shown
    ]
    lines += [f"{exe} ticket show {t} | head -n 6" for t in tickets[: len(ESCAPES)]]
    lines += [f"{exe} search Hälytys | tail -n 3", f"{exe} delegated | tail -n 3"]
    lines += ["echo AFTER-THE-VIEWS"]
    script.write_text("\n".join(lines) + "\n")
    tmux = ["tmux", "-L", f"supportctl-test-{os.getpid()}", "-f", "/dev/null"]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "t", "-x", "200", "-y", "150", "sh"], check=True
    )
    try:
        subprocess.run([*tmux, "set", "-g", "set-clipboard", "on"], check=True)
        subprocess.run([*tmux, "set", "-g", "history-limit", "0"], check=True)
        subprocess.run([*tmux, "select-pane", "-t", "t", "-T", "untouched"], check=True)
        subprocess.run([*tmux, "send-keys", "-t", "t", f"sh {script}", "Enter"], check=True)
        screen = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True
            ).stdout
            if "\nAFTER-THE-VIEWS" in screen:
                break
            time.sleep(0.3)
        assert "\nAFTER-THE-VIEWS" in screen, screen
        title = subprocess.run(
            [*tmux, "display", "-p", "-t", "t", "#{pane_title}|#{window_name}"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        buffers = subprocess.run(
            [*tmux, "list-buffers"], capture_output=True, text=True
        ).stdout.strip()
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    assert title == "untouched|sh"  # no OSC 0/2 obeyed
    assert buffers == ""  # no OSC 52 clipboard write
    # Nothing cleared the screen or moved the cursor home: the line printed before the
    # views is still on it, above every view's output, and the hidden text is visible.
    assert screen.index("BEFORE-THE-VIEWS") < screen.index("Hälytys"), screen
    assert "␛]52;c;" in screen and "piilotettu" in screen and "<U+202E>" in screen
