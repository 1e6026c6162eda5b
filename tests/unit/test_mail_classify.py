"""Classification (human/autoreply/bounce/list) and Authentication-Results."""

from __future__ import annotations

import pytest

from supportctl.mail.classify import classify, is_out_of_office_subject


def kind(
    headers: dict[str, list[str]] | None = None,
    *,
    sender: str = "a@x.example",
    subject: str = "hello",
    ctype: str = "text/plain",
    report: str = "",
) -> tuple[str, str]:
    result = classify(
        headers or {}, from_addr=sender, subject=subject, content_type=ctype, report_type=report
    )
    return result.kind, result.reason


@pytest.mark.parametrize(
    ("headers", "expected", "reason"),
    [
        ({"auto-submitted": ["auto-replied"]}, "autoreply", "Auto-Submitted: auto-replied"),
        (
            {"auto-submitted": ["auto-generated; foo"]},
            "autoreply",
            "Auto-Submitted: auto-generated",
        ),
        ({"auto-submitted": ["no"]}, "human", "no automatic, bounce or list header"),
        ({"x-autoreply": ["yes"]}, "autoreply", "X-Autoreply: yes"),
        ({"x-autorespond": ["1"]}, "autoreply", "X-Autorespond: 1"),
        ({"precedence": ["auto_reply"]}, "autoreply", "Precedence: auto_reply"),
        ({"list-id": ["<x.lists.example>"]}, "list", "List-Id"),
        ({"precedence": ["bulk"]}, "list", "Precedence: bulk"),
        ({"precedence": ["list"]}, "list", "Precedence: list"),
        ({"x-failed-recipients": ["a@b"]}, "bounce", "X-Failed-Recipients"),
    ],
)
def test_classify_by_header(headers: dict[str, list[str]], expected: str, reason: str) -> None:
    assert kind(headers) == (expected, reason)


def test_classify_delivery_status_report_is_bounce() -> None:
    assert kind(ctype="multipart/report", report="delivery-status")[0] == "bounce"


def test_classify_mailer_daemon_is_bounce_even_with_auto_submitted() -> None:
    got = kind(
        {"auto-submitted": ["auto-replied"]},
        sender="MAILER-DAEMON@mx.example",
        subject="Undelivered Mail Returned to Sender",
    )
    assert got[0] == "bounce"
    assert kind(sender="postmaster@mx.example", subject="whatever")[0] == "bounce"


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: [#4] site down",
        "Automatic reply: invoice",
        "Poissa toimistolta: Re: tilaus",
        "Automaattinen vastaus: kysymys",
        "Automatická odpověď: Web nefunguje",
        "Mimo kancelář",
        "Abwesenheitsnotiz: Ihre Anfrage",
        "Automatische Antwort: Rechnung",
        "RE: Nicht im Büro",
    ],
)
def test_classify_out_of_office_subjects(subject: str) -> None:
    assert is_out_of_office_subject(subject)
    assert kind(subject=subject)[0] == "autoreply"


@pytest.mark.parametrize(
    "subject",
    ["Sivusto on alhaalla", "Dovolená a web", "Lomalla oleva sivu", "Urlaubsantrag im Portal"],
)
def test_classify_ordinary_subjects_are_human(subject: str) -> None:
    assert kind(subject=subject)[0] == "human"
