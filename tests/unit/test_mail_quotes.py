"""Quoted history and signatures hidden for display: shared corpus, tables, properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportctl.mail.parse import parse_message, tidy_text
from supportctl.mail.quotes import Split, split_reply
from tests.conftest import CORPUS, in_ci

REPLY_PARSER = CORPUS / "email-reply-parser" / "test" / "emails"
TALON = CORPUS / "talon" / "tests" / "fixtures"

if not REPLY_PARSER.is_dir() or not TALON.is_dir():  # the corpus sits in ../shared beside the clone
    if in_ci():
        raise RuntimeError("the shared mail corpus is missing at " + str(CORPUS))
    pytest.skip("the shared mail corpus is not available", allow_module_level=True)


def kept(body: str) -> str:
    return split_reply(body).text.rstrip()


# -- the shared corpus ---------------------------------------------------------------

# file -> (the kept text starts with, ends with, hidden non-empty lines)
REPLY_PARSER_CASES = {
    # An answer written between quoted lines stays; only the closing quote and the
    # mailing-list footer under it go.
    "email_1_2.txt": ("Hi,\nOn Tue, 2011-03-01 at 18:02", 'delete them all individually."', 12),
    "email_1_3.txt": ("Oh thanks.", "Having the function would be great.\n\n-Abhishek Kona", 47),
    "email_2_1.txt": ("Outlook with a reply", "Outlook with a reply", 13),
    "email_gmail.txt": (
        "This is a test for inbox",
        "replying to a github message.",
        7,
    ),
    "email_partial_quote_header.txt": ("On your remote host", "the tunnel is not working.", 5),
    "greedy_on.txt": ("On your remote host", "the tunnel is not working.", 8),
}


@pytest.mark.parametrize("name", sorted(REPLY_PARSER_CASES))
@pytest.mark.parametrize("stored", [False, True], ids=["raw", "stored"])
def test_quotes_reply_parser_corpus(name: str, stored: bool) -> None:
    body = (REPLY_PARSER / name).read_text(encoding="utf-8")
    if stored:  # as ingest stores a text/plain part: trailing spaces off, blanks squeezed
        body = tidy_text(body)
    start, end, hidden = REPLY_PARSER_CASES[name]
    split = split_reply(body)
    assert split.text + split.rest == body
    assert split.is_quote
    assert split.text.startswith(start)
    assert split.text.rstrip().endswith(end)
    assert split.hidden_lines == hidden


def test_quotes_reply_parser_corpus_is_all_covered() -> None:
    assert {p.name for p in REPLY_PARSER.iterdir()} == set(REPLY_PARSER_CASES)


TALON_FILES = sorted(p.relative_to(TALON).as_posix() for p in TALON.rglob("*.eml"))


@pytest.mark.parametrize("name", TALON_FILES)
def test_quotes_talon_corpus_keeps_only_the_reply(name: str) -> None:
    body = parse_message((TALON / name).read_bytes()).text
    split = split_reply(body)
    assert split.text + split.rest == body
    assert split.is_quote and split.hidden_lines >= 2
    if name == "reply-quotations-share-block.eml":
        assert split.text.startswith("Hi Katharine.")
        assert split.text.rstrip().endswith("Joe XXX")
        assert "wrote:" in split.rest and "New Booking Inquiry" in split.rest
    else:
        assert split.text.rstrip() == "Hello"


def test_quotes_talon_corpus_has_the_standard_replies() -> None:
    assert len(TALON_FILES) == 8


# -- tables in Finnish, Czech, English and German ------------------------------------

TRIMMED = [
    # (name, body, kept text, hidden non-empty lines, is_quote)
    (
        "en-on-wrote",
        "Works now, thanks.\n\nOn Mon, 12 Oct 2026 at 10:00, Alice <alice@agency.example> wrote:\n"
        "> Could you try again?\n>\n> Alice\n",
        "Works now, thanks.",
        4,
        True,
    ),
    (
        "en-thunderbird",
        "Still broken.\n\nOn 12/10/2026 10.00, Alice wrote:\n> Please retry.\n",
        "Still broken.",
        2,
        True,
    ),
    (
        "en-gmail-wrapped",
        "See the screenshot.\n\nOn Mon, Oct 12, 2026 at 10:00 AM Alice Smith <alice@agency.example>\n"
        "wrote:\n\n> Which page?\n",
        "See the screenshot.",
        3,
        True,
    ),
    (
        "en-outlook-block",
        "Approved.\n\nFrom: Alice <alice@agency.example>\nSent: Monday, October 12, 2026 10:00 AM\n"
        "To: Matti Virtanen <matti.virtanen@acme.fi>\nSubject: RE: Offer\n\nHere is the offer.\n",
        "Approved.",
        5,
        True,
    ),
    (
        "en-original-message",
        "Yes please.\n-----Original Message-----\nFrom: Alice\nSent: Mon\nSubject: Offer\n\nOK?",
        "Yes please.",
        5,
        True,
    ),
    (
        "en-signature-dashes",
        "The form is fixed.\n\n-- \nAlice Smith\nAgency Ltd\n+358 40 123 4567\n",
        "The form is fixed.",
        4,
        False,
    ),
    (
        "en-stored-signature",  # ingest strips the space of "-- "
        "The form is fixed.\n--\nAlice Smith",
        "The form is fixed.",
        2,
        False,
    ),
    (
        "en-iphone",
        "Site is down again!\n\nSent from my iPhone",
        "Site is down again!",
        1,
        False,
    ),
    (
        "en-closing-then-iphone",
        "Site is down again!\n\nBest regards,\nMatti Virtanen\nAcme Oy\n\nSent from my iPhone\n",
        "Site is down again!",
        4,
        False,
    ),
    (
        "en-signature-then-quote",
        "Thanks, that works.\n--\nMatti\n\nOn 12 Oct 2026, at 10:00, Alice wrote:\n> Done.\n",
        "Thanks, that works.",
        4,
        True,
    ),
    (
        "en-quote-only-tail",
        "Agreed.\n\n> shall we move the launch to Friday?\n",
        "Agreed.",
        1,
        True,
    ),
    (
        "fi-kirjoitti",
        "Lomake toimii taas, kiitos!\n\nAlice kirjoitti 12.10.2026 klo 10.00:\n> Kokeilkaa uudelleen.\n",
        "Lomake toimii taas, kiitos!",
        2,
        True,
    ),
    (
        "fi-gmail",
        "Ei toimi vieläkään.\n\nma 12.10.2026 klo 10.00 Alice <alice@agency.example> kirjoitti:\n\n"
        "> Nyt pitäisi toimia.\n>\n",
        "Ei toimi vieläkään.",
        3,
        True,
    ),
    (
        "fi-our-own-reply-quote",  # how `reply` quotes the customer
        "Korjattu.\n\n2026-10-12 10:00 Matti Virtanen <matti.virtanen@acme.fi> kirjoitti:\n"
        "> Lomake ei toimi.\n",
        "Korjattu.",
        2,
        True,
    ),
    (
        "fi-outlook",
        "Hyväksytään.\n\n-----Alkuperäinen viesti-----\nLähettäjä: Alice\nLähetetty: "
        "maanantai 12. lokakuuta 2026 10.00\nVastaanottaja: Matti\nAihe: Tarjous\n\nTässä tarjous.",
        "Hyväksytään.",
        6,
        True,
    ),
    (
        "fi-outlook-block-without-separator",
        "Hyväksytään.\n\nLähettäjä: Alice <alice@agency.example>\nLähetetty: maanantai 12. "
        "lokakuuta 2026 10.00\nVastaanottaja: Matti\nAihe: Tarjous\n\nTässä tarjous.",
        "Hyväksytään.",
        5,
        True,
    ),
    (
        "fi-iphone",
        "Sivusto on alhaalla!\n\nTerveisin\nMatti\n\nLähetetty iPhonesta",
        "Sivusto on alhaalla!",
        3,
        False,
    ),
    (
        "fi-android",
        "Kiire!\n\nLähetetty Android-laitteesta",
        "Kiire!",
        1,
        False,
    ),
    (
        "cs-dne-napsal",
        "Děkuji, už to funguje.\n\nDne 12. 10. 2026 v 10:00 Alice napsal(a):\n> Zkuste to znovu.\n",
        "Děkuji, už to funguje.",
        2,
        True,
    ),
    (
        "cs-gmail",
        "Pořád nefunguje.\n\npo 12. 10. 2026 v 10:00 odesílatel Alice <alice@agency.example> napsal:\n"
        "> Zkuste to prosím znovu.\n",
        "Pořád nefunguje.",
        2,
        True,
    ),
    (
        "cs-puvodni-zprava",
        "Souhlasím.\n\n-------- Původní zpráva --------\nOd: Alice\nOdesláno: 12. 10. 2026\n"
        "Předmět: Nabídka\n\nPosílám nabídku.",
        "Souhlasím.",
        5,
        True,
    ),
    (
        "cs-outlook-block",
        "Souhlasím.\n\nOd: Alice <alice@agency.example>\nOdesláno: pondělí 12. října 2026 10:00\n"
        "Komu: Jiří Novák\nPředmět: Nabídka\n",
        "Souhlasím.",
        4,
        True,
    ),
    (
        "cs-iphone",
        "Web nejde.\n\nS pozdravem\nJiří Novák\nKovošrot s.r.o.\n\nOdesláno z iPhonu",
        "Web nejde.",
        4,
        False,
    ),
    (
        "de-am-schrieb",
        "Danke, passt.\n\nAm 12.10.2026 um 10:00 schrieb Alice <alice@agency.example>:\n> Bitte testen.\n",
        "Danke, passt.",
        2,
        True,
    ),
    (
        "de-outlook",
        "Passt.\n\n-----Ursprüngliche Nachricht-----\nVon: Alice\nGesendet: Montag\nBetreff: Test",
        "Passt.",
        4,
        True,
    ),
    (
        "fi-closing-before-a-request",  # "Kiitos" then a sentence: only the device line goes
        "Hei,\nKiitos\nLomake ei toimi vieläkään\n\nLähetetty iPhonesta\n",
        "Hei,\nKiitos\nLomake ei toimi vieläkään",
        1,
        False,
    ),
    (
        "en-outlook-rule-and-block",
        "OK.\n\n________________________________\nFrom: Alice <alice@agency.example>\n"
        "Sent: Monday, October 12, 2026 10:00 AM\nTo: Matti\nSubject: Offer\n\nHere it is.",
        "OK.",
        6,
        True,
    ),
    (
        "de-original-nachricht",
        "Passt.\n\n----- Original Nachricht ----\nVon: Alice\nAn: Bob\nDatum: 12.10.2026 10:00\n"
        "Betreff: Test\n\nBitte testen.",
        "Passt.",
        6,
        True,
    ),
    (
        "mailing-list-footer",
        "Use the API.\n\n_______________________________________________\nusers mailing list\n"
        "users@lists.example.org\nhttps://lists.example.org/listinfo/users\n",
        "Use the API.",
        4,
        False,
    ),
]


@pytest.mark.parametrize(
    ("body", "text", "hidden", "is_quote"),
    [case[1:] for case in TRIMMED],
    ids=[case[0] for case in TRIMMED],
)
def test_quotes_table_trims(body: str, text: str, hidden: int, is_quote: bool) -> None:
    split = split_reply(body)
    assert split.text + split.rest == body
    assert split.text.rstrip() == text
    assert split.hidden_lines == hidden
    assert split.is_quote is is_quote


KEPT = [
    # (name, body): nothing here is clearly a quote or a signature
    ("plain-fi", "Hei,\n\nlomake ei toimi etusivulla.\n\nTerveisin\nMatti Virtanen\nAcme Oy"),
    ("plain-cs", "Dobrý den,\n\nweb nefunguje.\n\nS pozdravem\nJiří Novák"),
    ("closing-without-device", "Please check the form.\n\nThanks,\nMatti"),
    (
        "interleaved-answer",
        "Hi,\n\nOn Mon, 12 Oct 2026 at 10:00, Alice wrote:\n> Which browser?\n\nFirefox.\n\n"
        "> Which page?\n\nThe contact form.",
    ),
    (
        "wrote-in-prose",
        "The log wrote:\nerror 500 on /contact\n\nPlease have a look.",
    ),
    ("kirjoitti-in-prose", "Matti kirjoitti eilen:\nlomake ei toimi"),
    ("from-line-alone", "From: our accountant\nPlease send the invoice again."),
    ("dash-rule-in-text", "Prices\n-----\nA: 10 EUR\nB: 20 EUR"),
    ("only-a-quote", "> everything is quoted\n> here"),
    ("only-a-header-and-quote", "On Mon, 12 Oct 2026 at 10:00, Alice wrote:\n> hi\n"),
    (
        "en-gmail-forward",  # a forward is what the sender wants read
        "Please look at this.\n\n---------- Forwarded message ----------\n"
        "From: Shop <shop@acme.fi>\nDate: Mon, 12 Oct 2026 at 10:00\nSubject: Order failed\n"
        "To: matti@acme.fi\n\nYour order failed.",
    ),
    (
        "fi-forward",
        "Katsokaa tätä.\n\n---------- Välitetty viesti ---------\nLähettäjä: Kauppa "
        "<kauppa@acme.fi>\nPäivämäärä: ma 12.10.2026 klo 10.00\nAihe: Tilaus epäonnistui\n\n"
        "Tilaus epäonnistui.",
    ),
    (
        "cs-forward",
        "Viz níže.\n\n---------- Přeposlaná zpráva ---------\nOd: Eshop <eshop@kovosrot.cz>\n"
        "Date: po 12. 10. 2026 v 10:00\nSubject: Objednávka\n\nObjednávka selhala.",
    ),
    (
        "headers-among-headers",  # a bounce quoting the returned message's header
        "The original message was:\nReceived: from mx.acme.fi\nFrom: matti@acme.fi\n"
        "Date: Mon, 12 Oct 2026 10:00:00 +0300\nSubject: Hi\n\nHello",
    ),
    ("empty", ""),
    ("blank", "\n\n  \n"),
    (
        "long-signature-not-a-signature",
        "Intro\n--\n" + "\n".join(f"line {n}" for n in range(30)),
    ),
    (
        "unknown-language-header-without-quote",
        "Hello\n02.04.2012 14:20 user <bob@example.com> said:\nnot quoted text",
    ),
]


@pytest.mark.parametrize("body", [case[1] for case in KEPT], ids=[case[0] for case in KEPT])
def test_quotes_table_keeps(body: str) -> None:
    assert split_reply(body) == Split(body, "", False)


def test_quotes_everything_hideable_keeps_the_whole_body() -> None:
    for body in (
        "Thanks,\nMatti\n\nSent from my iPhone",
        "Sent from my iPhone",
        "> everything quoted\n> here",
        "On Mon, 12 Oct 2026 at 10:00, Alice wrote:\n> hi\n",
        "\n--\nMatti",
    ):
        assert split_reply(body) == Split(body, "", False)


def test_quotes_crlf_bodies() -> None:
    body = "Works.\r\n\r\nOn Mon, 12 Oct 2026 at 10:00, Alice wrote:\r\n> ok?\r\n"
    split = split_reply(body)
    assert split.text == "Works.\r\n" and split.hidden_lines == 2


# -- properties ---------------------------------------------------------------------

SPECIAL_LINES = [
    "",
    "> quoted",
    ">",
    ">> deeper",
    "--",
    "-- ",
    "-----",
    "_" * 40,
    "On Mon, 12 Oct 2026 at 10:00, Alice <alice@agency.example> wrote:",
    "On Mon, 12 Oct 2026 at 10:00 AM Alice <alice@agency.example>",
    "wrote:",
    "Alice kirjoitti 12.10.2026 klo 10.00:",
    "Dne 12. 10. 2026 v 10:00 Alice napsal(a):",
    "Am 12.10.2026 um 10:00 schrieb Alice:",
    "02.04.2012 14:20 user <bob@example.com> said:",
    "-----Original Message-----",
    "-------- Původní zpráva --------",
    "From: Alice",
    "Sent: Monday",
    "Subject: Hi",
    "Lähettäjä: Alice",
    "Aihe: Hei",
    "Sent from my iPhone",
    "Lähetetty iPhonesta",
    "Odesláno z iPhonu",
    "Terveisin",
    "S pozdravem",
    "Best regards,",
    "Matti Virtanen",
    "Acme Oy",
    "Lomake ei toimi vieläkään",
    "Thanks for the quick fix.",
]
LINE = st.one_of(
    st.sampled_from(SPECIAL_LINES),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\n"), max_size=30),
)
BODY = st.lists(LINE, max_size=25).map("\n".join) | st.text(max_size=200)


@settings(max_examples=400, deadline=None)
@given(BODY)
def test_quotes_split_is_a_prefix_of_lines_and_idempotent(body: str) -> None:
    split = split_reply(body)
    assert split.text + split.rest == body
    if split.rest:
        assert split.text.endswith("\n")  # the cut is at a line boundary
        assert split.text.strip()  # something always stays
        assert split.rest.strip()  # and something real was hidden
        assert split.text.split("\n")[:-1] == body.split("\n")[: split.text.count("\n")]
    else:
        assert split.text == body and not split.is_quote
    again = split_reply(split.text)
    assert again.text == split.text and again.rest == ""


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Lomake ei toimi.", "Nefunguje web.", "The form fails.", "", "x"]),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.sampled_from(["> a", ">", "> > b", ""]), min_size=1, max_size=6),
)
def test_quotes_a_trailing_quote_block_is_hidden_and_the_text_kept(
    top: list[str], quoted: list[str]
) -> None:
    new = "\n".join(top)
    body = new + "\n" + "\n".join(quoted)
    split = split_reply(body)
    if not new.strip():
        assert split.rest == ""
    elif any(q.strip() for q in quoted):
        assert split.text.rstrip() == new.rstrip()
        assert split.is_quote


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters=">-_:"),
            min_size=1,
            max_size=40,
        ),
        max_size=12,
    )
)
def test_quotes_text_without_markers_is_never_trimmed(lines: list[str]) -> None:
    body = "\n".join(lines)
    if any(
        line.strip()
        .lower()
        .startswith(("sent ", "lähetetty", "odesláno", "von meinem", "gesendet", "get outlook"))
        for line in lines
    ):
        return
    assert split_reply(body).rest == ""
