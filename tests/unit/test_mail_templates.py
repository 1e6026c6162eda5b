"""Every packaged mail template renders in fi, cs and en, with the right words."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportctl.errors import ConfigError, InputError
from supportctl.render import mail

TICKET = {"id": 12, "tag": "[KV #12]", "subject": "Přihlášení nefunguje", "status": "open"}
AGENCY = {"name": "Koodiverstas Oy", "support_address": "tuki@koodiverstas.example"}
ME = {"handle": "alice", "name": "Alice Mäkinen", "email": "alice@koodiverstas.example"}


def canned_context(lang):  # type: ignore[no-untyped-def]
    return {
        "ticket": TICKET,
        "customer": {"name": "Kovošrot", "slug": "kovo"},
        "requester_name": "Jiří",
        "me": ME,
        "duty": ME,
        "owner": ME,
        "agency": AGENCY,
        "auto_close_days": 5,
        "lang": lang,
    }


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fi",
            [
                "Hei,",
                "Vastaamme viimeistään perjantaina 16.10.2026 klo 12.00",
                "automaattinen vastaus",
            ],
        ),
        (
            "cs",
            [
                "Dobrý den,",
                "Termín naší odpovědi: nejpozději pátek 16. 10. 2026, 12:00",
                "automatická odpověď",
            ],
        ),
        ("en", ["Hello,", "by Friday 16 October 2026, 12:00", "automatic reply"]),
        ("de", ["Hello,", "automatic reply"]),  # falls back to ack.txt.j2 (English)
    ],
)
def test_mail_templates_ack_in_each_language(tmp_path, lang, words):
    from datetime import UTC, datetime

    due = mail.format_when(datetime(2026, 10, 16, 9, 0, tzinfo=UTC), lang, "Europe/Helsinki")
    text = mail.render(
        tmp_path,
        "ack",
        lang,
        {
            "ticket": TICKET,
            "customer": None,
            "due_response": due,
            "timezone": "Europe/Helsinki",
            "agency": AGENCY,
            "lang": lang,
        },
    )
    for word in words:
        assert word in text
    assert "[KV #12]: Přihlášení nefunguje" in text
    assert "{" not in text and "}" not in text


def test_mail_templates_ack_without_due_time(tmp_path):
    text = mail.render(
        tmp_path,
        "ack",
        "fi",
        {
            "ticket": TICKET,
            "customer": None,
            "due_response": None,
            "timezone": "Europe/Helsinki",
            "agency": AGENCY,
            "lang": "fi",
        },
    )
    assert "Vastaamme mahdollisimman pian." in text


def test_mail_templates_three_canned_replies_in_three_languages(tmp_path):
    items = mail.canned_templates(tmp_path)
    assert [(t.name, t.languages) for t in items] == [
        ("investigating", ("fi", "cs", "en")),
        ("need-info", ("fi", "cs", "en")),
        ("resolved", ("fi", "cs", "en")),
    ]
    assert all(t.summary for t in items)
    greetings = {"fi": "Hei Jiří,", "cs": "Dobrý den, Jiří,", "en": "Hello Jiří,"}
    for item in items:
        for lang in item.languages:
            text = mail.render_canned(tmp_path, item.name, lang, canned_context(lang))
            assert text.startswith(greetings[lang])
            assert text.rstrip().endswith("Alice Mäkinen\nKoodiverstas Oy")


def test_mail_templates_user_override_wins(tmp_path):
    folder = tmp_path / "templates" / "mail" / "canned"
    folder.mkdir(parents=True)
    (folder / "thanks.txt.j2").write_text(
        "{# Just thanks. #}\nKiitos, {{ me.name }}!\n", encoding="utf-8"
    )
    names = [t.name for t in mail.canned_templates(tmp_path)]
    assert "thanks" in names
    assert (
        mail.render_canned(tmp_path, "thanks", "fi", canned_context("fi"))
        == "Kiitos, Alice Mäkinen!\n"
    )


def test_mail_templates_unknown_canned_is_bad_input(tmp_path):
    with pytest.raises(InputError, match="no canned reply 'nope'"):
        mail.render_canned(tmp_path, "nope", "fi", canned_context("fi"))


def test_mail_templates_broken_user_template_is_a_config_error(tmp_path: Path):
    folder = tmp_path / "templates" / "mail"
    folder.mkdir(parents=True)
    (folder / "ack.fi.txt.j2").write_text("Hei {{ nobody.name }}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ack\.fi\.txt\.j2"):
        mail.render(tmp_path, "ack", "fi", {"ticket": TICKET, "agency": AGENCY})


def test_mail_templates_status_and_internal_notices(tmp_path):
    text = mail.render(
        tmp_path,
        "status",
        "cs",
        {
            "ticket": TICKET,
            "status": "resolved",
            "note": "",
            "auto_close_days": 5,
            "agency": AGENCY,
            "lang": "cs",
        },
    )
    assert "je nyní: vyřešeno." in text and "po 5 pracovních dnech" in text
    text = mail.render(
        tmp_path,
        "remind",
        "en",
        {
            "owner": ME,
            "agency": AGENCY,
            "items": [
                {
                    "tag": "[KV #12]",
                    "subject": "x",
                    "target": "response",
                    "due": "Friday",
                    "left": "45m business time left",
                }
            ],
        },
    )
    assert "1 of your tickets is within one business hour" in text
