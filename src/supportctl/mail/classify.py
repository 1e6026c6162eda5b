"""Is a message from a person, an auto-reply, a bounce or list mail? (pure)

The answer names the header (or subject) that decided it, so `fetch --explain` and
`ticket show` can say why. Order matters: a bounce is also auto-submitted, and a list
can relay auto-replies; the most specific signal wins (bounce, auto-reply, list).
Non-human mail never opens an urgent ticket and never gets an automatic answer
(RFC 3834).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HUMAN = "human"
AUTOREPLY = "autoreply"
BOUNCE = "bounce"
LIST = "list"
KINDS = (HUMAN, AUTOREPLY, BOUNCE, LIST)

_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_BOUNCE_SUBJECTS = (
    "undeliver",
    "delivery status notification",
    "delivery failure",
    "failure notice",
    "could not be delivered",
    "delivery notification",
    "returned mail",
    "mail delivery failed",
    "delivery has failed",
    "nicht zustellbar",
    "unzustellbar",
    "nedoručitelné",
    "nelze doručit",
    "ei voitu toimittaa",
    "toimitus epäonnistui",
)
# Out-of-office subject prefixes in English, Finnish, Czech, German (and a few neighbours).
_OOO_SUBJECTS = (
    "out of office",
    "out of the office",
    "automatic reply",
    "auto reply",
    "autoreply",
    "auto-reply",
    "away from the office",
    "on vacation",
    "vacation reply",
    "poissa toimistolta",
    "automaattinen vastaus",
    "automaattivastaus",
    "mimo kancelář",
    "mimo kancelar",
    "automatická odpověď",
    "automaticka odpoved",
    "nepřítomen",
    "nepřítomna",
    "nepřítomnost",
    "poissa töistä",
    "lomaviesti",
    "abwesend",
    "abwesenheitsnotiz",
    "automatische antwort",
    "nicht im büro",
    "außer haus",
    "ausser haus",
    "automatyczna odpowiedź",
    "frånvaro",
    "autosvar",
)


@dataclass(frozen=True)
class Classification:
    kind: str
    reason: str  # the header or rule that decided it

    @property
    def is_human(self) -> bool:
        return self.kind == HUMAN


def _first(headers: Mapping[str, Sequence[str]], name: str) -> str:
    values = headers.get(name)
    return values[0].strip() if values else ""


def is_out_of_office_subject(subject: str) -> bool:
    """An out-of-office or automatic-reply subject in fi/cs/en/de (prefix or `Re:` less)."""
    text = subject.strip().lower()
    for prefix in ("re:", "aw:", "vs:", "sv:", "odp:", "fw:", "fwd:"):
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
    return any(text.startswith(s) for s in _OOO_SUBJECTS)


def classify(
    headers: Mapping[str, Sequence[str]],
    *,
    from_addr: str,
    subject: str,
    content_type: str,
    report_type: str,
) -> Classification:
    """Classify from decoded headers (lower-case names) and a few message facts."""
    local = from_addr.split("@", 1)[0].lower()
    subject_l = subject.lower()
    bounce_subject = any(s in subject_l for s in _BOUNCE_SUBJECTS)
    auto = _first(headers, "auto-submitted").lower()
    auto_kind = auto.split(";", 1)[0].strip()
    if content_type == "multipart/report" and report_type == "delivery-status":
        return Classification(BOUNCE, "Content-Type: multipart/report; report-type=delivery-status")
    if local in _DAEMONS and bounce_subject:
        return Classification(BOUNCE, f"From: {from_addr} and a bounce subject")
    if headers.get("x-failed-recipients"):
        return Classification(BOUNCE, "X-Failed-Recipients")
    if auto_kind and auto_kind != "no":
        if bounce_subject:
            return Classification(BOUNCE, f"Auto-Submitted: {auto_kind} and a bounce subject")
        return Classification(AUTOREPLY, f"Auto-Submitted: {auto_kind}")
    if headers.get("x-autoreply"):
        return Classification(AUTOREPLY, f"X-Autoreply: {_first(headers, 'x-autoreply')}")
    if headers.get("x-autorespond"):
        return Classification(AUTOREPLY, f"X-Autorespond: {_first(headers, 'x-autorespond')}")
    precedence = _first(headers, "precedence").lower()
    if precedence == "auto_reply":
        return Classification(AUTOREPLY, "Precedence: auto_reply")
    if is_out_of_office_subject(subject):
        return Classification(AUTOREPLY, f"Subject: {subject.strip()[:60]}")
    for name, label in (
        ("list-id", "List-Id"),
        ("list-unsubscribe", "List-Unsubscribe"),
        ("mailing-list", "Mailing-List"),
    ):
        if headers.get(name):
            return Classification(LIST, label)
    if precedence in ("bulk", "list", "junk"):
        return Classification(LIST, f"Precedence: {precedence}")
    if content_type == "multipart/report" and report_type == "feedback-report":
        return Classification(BOUNCE, "Content-Type: multipart/report; report-type=feedback-report")
    if local in _DAEMONS:
        return Classification(BOUNCE, f"From: {from_addr}")
    return Classification(HUMAN, "no automatic, bounce or list header")
