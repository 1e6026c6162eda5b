"""Urgency and kind from real-looking phrases in Finnish, Czech and English."""

from __future__ import annotations

import pytest

from supportctl.domain.urgency import assess, high_importance

PHRASES = [
    # (subject, body, urgency, kind)
    ("Sivusto alhaalla!", "Etusivu ei aukea ollenkaan.", "urgent", "incident"),
    ("Lomake ei toimi", "Yhteydenottolomake antaa virheen.", "urgent", "incident"),
    ("KIIRE: kassa kaatuu", "Verkkokaupan kassa kaatuu maksuvaiheessa.", "urgent", "incident"),
    ("Kiireellinen: sähköposti", "Emme saa postia, tämä on kiireellinen.", "urgent", "request"),
    ("Uusi käyttäjätunnus", "Voisitteko lisätä Liisalle tunnukset? Ei kiire.", "normal", "request"),
    ("Bannerin vaihto", "Vaihtakaa kuva etusivulle, ei ole kiirettä.", "normal", "request"),
    ("Pieni muutos", "Ei mitään kiirettä, kun ehditte.", "normal", "request"),
    ("Tekstimuutos", "Alatunnisteeseen uusi puhelinnumero.", "normal", "request"),
    ("Palvelin nurin", "Koko intra nurin aamusta asti", "urgent", "incident"),
    ("Virhe raportissa", "Kuukausiraportissa on virhe, ei hätää.", "normal", "incident"),
    ("Tarvitaan heti apua", "Kirjautuminen estää koko työn.", "urgent", "request"),
    ("Výpadek e-shopu", "E-shop je od rána nedostupný.", "urgent", "incident"),
    ("vypadek webu", "web nejede", "urgent", "incident"),
    ("Formulář nefunguje", "Kontaktní formulář nefunguje.", "urgent", "incident"),
    ("Naléhavé: certifikát", "Vypršel certifikát, prosím okamžitě.", "urgent", "request"),
    ("Změna textu", "Prosím o změnu textu v patičce, nespěchá.", "normal", "request"),
    ("Nový uživatel", "Není to urgentní, až budete mít čas.", "normal", "request"),
    ("Chyba v objednávce", "V objednávce je chyba, ale není to naléhavé.", "normal", "incident"),
    ("Web spadl", "Web spadl po aktualizaci.", "urgent", "incident"),
    ("Dotaz na fakturu", "Kdy přijde faktura za říjen?", "normal", "request"),
    ("Site is down", "Our homepage returns 502 since 8am.", "urgent", "incident"),
    ("URGENT: checkout broken", "Customers cannot pay.", "urgent", "incident"),
    ("Please fix ASAP", "The newsletter signup shows an error.", "urgent", "incident"),
    ("Not urgent: logo update", "Please swap the logo when you get a chance.", "normal", "request"),
    ("Small text change", "No rush, whenever you have time.", "normal", "request"),
    (
        "Question about hosting",
        "Is this a low priority item for you? not urgent at all",
        "normal",
        "request",
    ),
    ("Outage on the API", "All requests time out.", "urgent", "incident"),
    ("Markdown download link", "Please add a download link for the PDF.", "normal", "request"),
    ("Login error", "I get an error when I log in, not an emergency.", "normal", "incident"),
    ("New staff accounts", "Could you create two accounts for next month?", "normal", "request"),
    ("Email not working", "We are blocked, nobody can send mail.", "urgent", "incident"),
    ("Critical security update", "Please apply the WordPress update.", "urgent", "request"),
]


@pytest.mark.parametrize(("subject", "body", "urgency", "kind"), PHRASES)
def test_urgency_phrases(subject: str, body: str, urgency: str, kind: str) -> None:
    result = assess(subject, body)
    assert (result.urgency, result.kind) == (urgency, kind), result.reason


def test_urgency_table_is_big_enough() -> None:
    assert len(PHRASES) >= 30


@pytest.mark.parametrize(
    ("header", "high"),
    [
        ("high", True),
        ("High", True),
        ("1 (Highest)", True),
        ("2", True),
        ("3 (Normal)", False),
        ("normal", False),
        ("low", False),
        ("5", False),
        (None, False),
        ("", False),
        ("urgent", True),
    ],
)
def test_urgency_importance_headers(header: str | None, high: bool) -> None:
    assert high_importance(header) is high
    assert assess("Hello", "A question.", importance=header).urgency == (
        "urgent" if high else "normal"
    )


@pytest.mark.parametrize("classification", ["auto-reply", "bounce", "bulk", "list"])
def test_urgency_non_human_mail_is_never_urgent(classification: str) -> None:
    result = assess("URGENT: site down", "ASAP", importance="high", classification=classification)
    assert result.urgency == "normal"
