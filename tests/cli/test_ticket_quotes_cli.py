"""`ticket show` hides quoted history and signatures; `--full` and `--json` keep them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOW = {"SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"}

FIRST = """\
From matti.virtanen@acme.fi Mon Oct 12 07:00:00 2026
From: Matti Virtanen <matti.virtanen@acme.fi>
To: support@agency.example
Subject: Yhteydenottolomake ei toimi
Date: Mon, 12 Oct 2026 10:00:00 +0300
Message-ID: <first@acme.fi>
Content-Type: text/plain; charset=utf-8

Hei,

yhteydenottolomake antaa virheen 500.

Terveisin
Matti Virtanen
Acme Oy

Lähetetty iPhonesta
"""

REPLY = """\
From matti.virtanen@acme.fi Tue Oct 13 07:00:00 2026
From: Matti Virtanen <matti.virtanen@acme.fi>
To: support@agency.example
Subject: Re: Yhteydenottolomake ei toimi
Date: Tue, 13 Oct 2026 10:00:00 +0300
Message-ID: <second@acme.fi>
In-Reply-To: <first@acme.fi>
References: <first@acme.fi>
Content-Type: text/plain; charset=utf-8

Nyt toimii, kiitos!

Matti Virtanen kirjoitti 12.10.2026 klo 10.00:
> Hei,
>
> yhteydenottolomake antaa virheen 500.
>
> Terveisin
> Matti Virtanen
"""

CZECH = """\
From jiri.novak@kovosrot.cz Tue Oct 13 08:00:00 2026
From: =?utf-8?q?Ji=C5=99=C3=AD_Nov=C3=A1k?= <jiri.novak@kovosrot.cz>
To: support@agency.example
Subject: Web nefunguje
Date: Tue, 13 Oct 2026 10:00:00 +0200
Message-ID: <third@kovosrot.cz>
Content-Type: text/plain; charset=utf-8

Web nefunguje, prosím o kontrolu.

-------- Původní zpráva --------
Od: Alice <alice@agency.example>
Odesláno: 1. 10. 2026 9:00
Předmět: Údržba

Zítra proběhne údržba.
"""

PLAIN = """\
From jiri.novak@kovosrot.cz Tue Oct 13 09:00:00 2026
From: jiri.novak@kovosrot.cz
To: support@agency.example
Subject: Faktura
Date: Tue, 13 Oct 2026 11:00:00 +0200
Message-ID: <fourth@kovosrot.cz>
Content-Type: text/plain; charset=utf-8

Prosím o fakturu za září.

S pozdravem
Jiří Novák
"""


@pytest.fixture
def fetched(cli, initialized: Path, tmp_path: Path) -> Path:
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme Oy",
        "--plan",
        "maintenance",
        "--domain",
        "acme.fi",
    )
    cli.ok(
        "customer",
        "add",
        "kovo",
        "--name",
        "Kovošrot",
        "--plan",
        "hosting",
        "--domain",
        "kovosrot.cz",
    )
    mbox = tmp_path / "quotes.mbox"
    mbox.write_text("\n".join((FIRST, REPLY, CZECH, PLAIN)), encoding="utf-8")
    cli.ok("fetch", "--source", f"mbox:{mbox}", env=NOW)
    return mbox


def test_ticket_show_hides_quotes_and_signatures(cli, fetched: Path) -> None:
    shown = cli.ok("ticket", "show", "1", env=NOW).stdout
    assert "yhteydenottolomake antaa virheen 500." in shown
    assert "Nyt toimii, kiitos!" in shown
    assert "kirjoitti 12.10.2026" not in shown and "> yhteydenottolomake" not in shown
    assert "Lähetetty iPhonesta" not in shown and "Acme Oy\n" not in shown
    assert "… 4 signature lines hidden (ticket show 1 --full)" in shown
    assert "… 7 quoted lines hidden (ticket show 1 --full)" in shown
    czech = cli.ok("ticket", "show", "2", env=NOW).stdout
    assert "Web nefunguje, prosím o kontrolu." in czech
    assert "Původní zpráva" not in czech and "Zítra proběhne údržba." not in czech
    assert "… 5 quoted lines hidden (ticket show 2 --full)" in czech


def test_ticket_show_full_shows_everything(cli, fetched: Path) -> None:
    full = cli.ok("ticket", "show", "1", "--full", env=NOW).stdout
    assert "hidden (ticket show" not in full
    assert "Matti Virtanen kirjoitti 12.10.2026 klo 10.00:" in full
    assert "> yhteydenottolomake antaa virheen 500." in full
    assert "Lähetetty iPhonesta" in full
    czech = cli.ok("ticket", "show", "2", "--full", env=NOW).stdout
    assert "-------- Původní zpráva --------" in czech and "Zítra proběhne údržba." in czech


def test_ticket_show_json_keeps_full_text_and_adds_trimmed(cli, fetched: Path) -> None:
    for args in (("--json",), ("--json", "--full")):
        data = json.loads(cli.ok("ticket", "show", "1", *args, env=NOW).stdout)
        first, reply = data["messages"]
        assert first["text"].endswith("Lähetetty iPhonesta")
        assert first["text_trimmed"] == "Hei,\n\nyhteydenottolomake antaa virheen 500."
        assert "kirjoitti 12.10.2026 klo 10.00:\n> Hei," in reply["text"]
        assert reply["text_trimmed"] == "Nyt toimii, kiitos!"
        assert list(first)[list(first).index("text") + 1] == "text_trimmed"


def test_ticket_show_plain_text_has_no_note(cli, fetched: Path) -> None:
    shown = cli.ok("ticket", "show", "3", env=NOW).stdout
    assert "Prosím o fakturu za září.\n\nS pozdravem\nJiří Novák" in shown
    assert "hidden (ticket show" not in shown
    message = json.loads(cli.ok("ticket", "show", "3", "--json", env=NOW).stdout)["messages"][0]
    assert message["text"] == message["text_trimmed"]
    assert message["text"].endswith("S pozdravem\nJiří Novák")


def test_ticket_show_full_on_unknown_ticket_fails(cli, initialized: Path) -> None:
    assert "no ticket #7" in cli.fails(2, "ticket", "show", "7", "--full").stderr
