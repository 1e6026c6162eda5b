"""Urgency and kind of a new request, from its words and the sender's priority headers.

`urgent` when work is blocked or a site/service is down (DESIGN §2); `incident` when
something is broken, else `request`. Text is lower-cased and stripped of diacritics
before matching, so "vypadek" and "výpadek" are the same word. Negated phrases
("not urgent", "ei kiire", "nespěchá") are removed *before* the hints are searched, so
a false friend never counts. Non-human mail (auto-replies, bounces, lists) is never
urgent. The patterns are compiled on first use, not at import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# Phrases that cancel urgency; matched on the normalised text (no diacritics).
NEGATIONS = (
    r"not (very |that |so |too )?urgent",
    r"no (rush|hurry)",
    r"non[- ]urgent",
    r"low priority",
    r"not (an )?emergency",
    r"not a big deal",
    r"whenever you have time",
    r"when you (have|get) (a chance|time)",
    r"ei (ole |mitaan |mikaan )?(kovin |niin |yhtaan )?kiir\w*",
    r"ei (ole )?(kovin )?tarkeaa",
    r"ei hatae?a?",
    r"kun ehditte",
    r"ei (ole )?(mikaan )?hata\w*",
    r"nespecha\w*",
    r"neni (to |nic )?(moc )?(urgentni|nalehav\w*|spechat\w*)",
    r"nic (nalehaveho|urgentniho)",
    r"az budete mit cas",
    r"bez spechu",
)
URGENT = (
    r"urgent\w*",
    r"asap",
    r"emergency",
    r"critical",
    r"(is|are|went|goes|gone|still) down",
    r"down( again| now)?[!.]",
    r"site down",
    r"outage",
    r"blocked",
    r"cannot work",
    r"can't work",
    r"immediately",
    r"kiir\w*",
    r"heti",
    r"pikaisesti",
    r"ei toimi",
    r"alhaalla",
    r"nurin",
    r"kaatu\w*",
    r"estaa (koko )?(tyon|toiminnan)",
    r"nefunguj\w*",
    r"vypadek",
    r"vypadk\w*",
    r"nedostupn\w*",
    r"urgentni",
    r"nalehav\w*",
    r"specha\w*",
    r"okamzite",
    r"co nejdriv\w*",
    r"spadl\w*",
    r"havari\w*",
)
INCIDENT = (
    r"down",
    r"outage",
    r"broken",
    r"error",
    r"not working",
    r"doesn't work",
    r"does not work",
    r"crash\w*",
    r"fail\w*",
    r"bug",
    r"500",
    r"404",
    r"can't log ?in",
    r"cannot log ?in",
    r"ei toimi",
    r"alhaalla",
    r"nurin",
    r"kaatu\w*",
    r"virhe\w*",
    r"rikki",
    r"bugi\w*",
    r"nefunguj\w*",
    r"vypad\w*",
    r"chyb\w*",
    r"nedostupn\w*",
    r"spadl\w*",
    r"nejde",
    r"rozbit\w*",
    r"havari\w*",
)


@dataclass(frozen=True)
class Assessment:
    urgency: str  # "urgent" | "normal"
    kind: str  # "incident" | "request"
    reason: str


def normalise(text: str) -> str:
    """Lower-case, diacritics removed, curly quotes straightened, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


@cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)")


def high_importance(importance: str | None) -> bool:
    """Importance: high, X-Priority: 1/2, Priority: urgent -> True."""
    if not importance:
        return False
    value = importance.strip().lower()
    if value.startswith(("high", "urgent")):
        return True
    first = value.split()[0] if value.split() else ""
    return first in ("1", "2")


def assess(
    subject: str, body: str, *, importance: str | None = None, classification: str = "human"
) -> Assessment:
    """Urgency and kind of a new request."""
    text = normalise(f"{subject}\n{body[:4000]}")
    cleaned = _pattern(NEGATIONS).sub(" ", text)
    incident = _pattern(INCIDENT).search(cleaned)
    kind = "incident" if incident else "request"
    if classification != "human":
        return Assessment("normal", kind, f"{classification} mail is never urgent")
    hint = _pattern(URGENT).search(cleaned)
    if hint:
        return Assessment("urgent", kind, f"hint '{hint.group(0)}'")
    if high_importance(importance):
        return Assessment("urgent", kind, f"sender's priority '{importance}'")
    return Assessment("normal", kind, "no urgency hints")
