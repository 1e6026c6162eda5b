"""Quoted history and signatures in a plain-text mail body, found for display only.

The stored text and the raw mail keep everything; `ticket show` shows the new text and
says how many lines it hid. The split is conservative on purpose: a line is hidden only
when it is clearly part of a quote or a signature, and the hidden part is always a tail
of the body (the kept text is a prefix of the body's lines), so an answer written
between quoted lines is never hidden. If nothing would be left, nothing is hidden.

A tail is hideable when, from its first line on, it is made only of:

- quoted lines (``>``) and empty lines;
- a reply header ("On … wrote:", "X kirjoitti 12.10.2026 klo 10.00:", "Dne … napsal(a):",
  "Am … schrieb …:", also wrapped over up to three lines) followed by quoted lines, or by
  unmarked text (clients that quote without ``>``: the rest is the earlier mail);
- an Outlook separator ("-----Original Message-----", "-----Alkuperäinen viesti-----",
  "-------- Původní zpráva --------") or a "From: / Sent: / Subject:" header block
  (Finnish, Czech and German keys too) standing on its own: everything after it is the
  earlier mail. A forward ("---------- Forwarded message ----------") is never hidden;
- a dated header in another language with an address ("02.04.2012 14:20 … <a@b> …:"),
  only right above quoted lines;
- a signature: a ``--`` line followed by at most 20 lines; a device line ("Sent from my
  iPhone", "Lähetetty iPhonesta", "Odesláno z iPhonu"); a closing ("Terveisin",
  "S pozdravem", "Best regards") followed by a few name lines (never a sentence) that
  end in such a device line or ``--`` signature; a mailing-list footer under a line of
  underscores.

Pure: no I/O. Patterns compile on first use, so importing this module costs nothing.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

SIGNATURE_MAX_LINES = 20  # lines after a `--` delimiter that still count as a signature
FOOTER_MAX_LINES = 6  # lines under a row of underscores (mailing-list footers)
CLOSING_MAX_LINES = 4  # name lines (a name, a title) between a closing and a device line
HEADER_MAX_LINES = 3  # a reply header wrapped by the sender's client
FROM_BLOCK_LINES = 8  # lines after "From:" searched for "Sent:" and "Subject:"
_LONG = 300  # longer lines are never headers, closings or device lines

_CLOSINGS = frozenset(
    {
        # English
        "regards", "best regards", "kind regards", "warm regards", "best wishes", "best",
        "cheers", "thanks", "thank you", "many thanks", "thanks again", "thx", "br",
        "sincerely", "yours sincerely", "all the best",
        # Finnish
        "terveisin", "ystävällisin terveisin", "parhain terveisin", "yst. terv", "t",
        "terv", "kiitos", "kiittäen", "kiitos jo etukäteen", "kiitoksin",
        "hyvää päivänjatkoa", "mukavaa päivänjatkoa", "ystävällisesti",
        # Czech
        "s pozdravem", "s přátelským pozdravem", "se srdečným pozdravem", "s úctou",
        "děkuji", "děkuji předem", "díky", "zdravím", "hezký den", "pěkný den",
        # German
        "mit freundlichen grüßen", "mfg", "viele grüße", "beste grüße", "liebe grüße",
        "grüße", "gruß", "schöne grüße", "danke", "vielen dank", "lg",
    }
)  # fmt: skip


class Split(NamedTuple):
    """A body cut in two: `text + rest` is the body; `text` ends at a line boundary."""

    text: str
    rest: str
    is_quote: bool  # the rest holds quoted history (else only a signature or footer)

    @property
    def hidden_lines(self) -> int:
        """Non-empty lines in the hidden rest."""
        return sum(1 for line in self.rest.split("\n") if line.strip())


class _Patterns(NamedTuple):
    verb: re.Pattern[str]
    verb_en: re.Pattern[str]
    date: re.Pattern[str]
    full_date: re.Pattern[str]
    clock: re.Pattern[str]
    opener: re.Pattern[str]
    separator: re.Pattern[str]
    forward: re.Pattern[str]
    key: re.Pattern[str]
    device: re.Pattern[str]
    rule: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    return _Patterns(
        verb=re.compile(r"(?<!\w)(?:kirjoitti|napsal(?:\(a\)|a|o|i)?|schrieb)(?!\w)", re.I),
        verb_en=re.compile(r"(?<!\w)wrote\s*:$", re.I),
        date=re.compile(r"\d{4}|\d{1,2}[:.]\d{2}(?!\d)|\d{1,2}/\d{1,2}/\d{2}"),
        full_date=re.compile(
            r"\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d\d-\d\d"
        ),
        clock=re.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)"),
        opener=re.compile(r"(?:-+\s*)?(?:on|am|dne)\s|\d|[^\W\d_]{1,3}[.,]?\s+\d", re.I),
        separator=re.compile(
            r"[-_=\s]*(?:-{2,}|_{2,})\s*(?:original message|alkuperäinen viesti|"
            r"původní zpráva|původní e-mail|ursprüngliche nachricht|original nachricht)"
            r"\s*[-_=\s]*",
            re.I,
        ),
        forward=re.compile(
            r"[-_=\s]*(?:forwarded message|begin forwarded message|välitetty viesti(?: alkaa)?|"
            r"přeposlaná zpráva|weitergeleitete nachricht)\s*:?[-_=\s]*",
            re.I,
        ),
        key=re.compile(r"\*?([^\W\d_]+)\*?\s*:", re.I),
        device=re.compile(
            r"(?:sent from my \S.*|sent from (?:mail|outlook|yahoo mail) for \S.*|"
            r"get outlook for (?:ios|android)|sent with (?:sparrow|proton ?mail|blackberry)\b.*|"
            r"lähetetty (?:minun )?(?:iphonesta|ipadista|mobiilista|puhelimesta|"
            r"matkapuhelimesta|\S+-laitteesta|\S+-puhelimesta|outlook\S*.*)|"
            r"odesláno (?:z|ze) \S.*|von meinem \S+ gesendet|gesendet von (?:meinem )?\S.*)",
            re.I,
        ),
        rule=re.compile(r"[-_=*~\s]{3,}"),
    )


_FROM_KEYS = frozenset({"from", "lähettäjä", "od", "von"})
_DATE_KEYS = frozenset({"sent", "date", "lähetetty", "päivämäärä", "odesláno", "datum", "gesendet"})
_SUBJECT_KEYS = frozenset({"subject", "aihe", "předmět", "věc", "betreff"})


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _key(line: str) -> str | None:
    """The key of a "Key: value" header line ("*From:*" as some HTML converters write it)."""
    m = _patterns().key.match(line.strip())
    return m.group(1).lower() if m else None


def _is_from_block(lines: list[str], i: int) -> bool:
    """An Outlook-style header block: From, then Sent/Date and Subject within a few lines."""
    if ":" not in lines[i] or _key(lines[i]) not in _FROM_KEYS:
        return False
    seen: set[str] = set()
    for line in lines[i + 1 : i + 1 + FROM_BLOCK_LINES]:
        key = _key(line)
        if key in _DATE_KEYS:
            seen.add("date")
        elif key in _SUBJECT_KEYS:
            seen.add("subject")
        if len(seen) == 2:
            return True
    return False


def _opens_a_block(stripped: list[str], i: int) -> bool:
    """A header block stands on its own (after an empty line or a rule), not in a forward
    (the forwarded mail is what the sender wants read) or among other header lines."""
    if i == 0:
        return True
    above = stripped[i - 1]
    if above and not (_patterns().rule.fullmatch(above) or _is_separator(above)):
        return False
    for j in range(i - 1, -1, -1):
        if stripped[j]:
            return _patterns().forward.fullmatch(stripped[j]) is None
    return True


def _is_separator(text: str) -> bool:
    return (
        text[:1] in ("-", "_", "=")
        and len(text) <= _LONG
        and _patterns().separator.fullmatch(text) is not None
    )


def _attribution(text: str) -> str | None:
    """Is `text` a reply header? "known" (en/fi/cs/de), "generic" or None.

    "generic" is a dated header with an address in another language, trusted only right
    above quoted lines.
    """
    if len(text) > _LONG or not text.endswith(":"):
        return None
    p = _patterns()
    if p.date.search(text) is None:
        return None
    if p.verb_en.search(text) or p.verb.search(text):
        return "known"
    if "@" in text and p.full_date.search(text) and p.clock.search(text):
        return "generic"
    return None


def _header_at(lines: list[str], stripped: list[str], i: int) -> tuple[int, str] | None:
    """(lines, kind) of a reply header starting at line i, or None."""
    for h in range(1, HEADER_MAX_LINES + 1):
        end = i + h
        if end > len(lines) or not stripped[end - 1] or _is_quote(lines[end - 1]):
            return None
        if not stripped[end - 1].endswith(":"):
            continue
        kind = _attribution(" ".join(stripped[i:end]))
        if kind is None:
            continue
        if h > 1:
            # A wrapped header opens like one, and is not ordinary text above a header.
            if _patterns().opener.match(stripped[i]) is None:
                return None
            if _attribution(" ".join(stripped[i + 1 : end])) is not None:
                return None
        return h, kind
    return None


_DEVICE_INITIALS = frozenset("sglovSGLOV")  # sent, get, lähetetty, odesláno, von, gesendet


def _is_device(text: str) -> bool:
    return (
        text[:1] in _DEVICE_INITIALS
        and len(text) <= 80
        and _patterns().device.fullmatch(text) is not None
    )


def _is_closing(text: str) -> bool:
    return len(text) <= 40 and text.lower().rstrip(" ,.!:;").strip() in _CLOSINGS


def _is_signature_delimiter(text: str) -> bool:
    return text == "--"


def _hideable(lines: list[str]) -> tuple[list[bool], list[bool]]:
    """For each line i: can lines[i:] be hidden, and is there quoted history in it?"""
    n = len(lines)
    stripped = [line.strip() for line in lines]
    ok = [False] * (n + 1)
    history = [False] * (n + 1)  # a quoted line or a reply header at or after i
    ok[n] = True
    ends_signature = [False] * n  # a device line or a `--` signature that can be hidden
    # A header ends with ":" on its own line or one of the next two (cheap pre-check).
    colon = [t.endswith(":") for t in stripped] + [False] * HEADER_MAX_LINES
    for i in range(n - 1, -1, -1):
        text = stripped[i]
        history[i] = history[i + 1]
        if not text:
            ok[i] = ok[i + 1]
        elif text[0] == ">":  # a quoted line (indentation aside)
            ok[i] = ok[i + 1]
            history[i] = True
        elif _is_signature_delimiter(text):
            last = min(n, i + 1 + SIGNATURE_MAX_LINES)
            ok[i] = ends_signature[i] = any(ok[j] for j in range(i + 1, last + 1))
        elif len(text) > _LONG:
            pass
        elif _is_separator(text) or (_is_from_block(lines, i) and _opens_a_block(stripped, i)):
            ok[i] = history[i] = True
        elif (colon[i] or colon[i + 1] or colon[i + 2]) and (
            header := _header_at(lines, stripped, i)
        ) is not None:
            h, kind = header
            j = i + h
            while j < n and not stripped[j]:
                j += 1
            if j < n and _is_quote(lines[j]):
                ok[i] = ok[j]
            else:
                ok[i] = kind == "known"  # unmarked text after a header: the earlier mail
            history[i] = history[i] or ok[i]
        elif _is_device(text):
            ok[i] = ends_signature[i] = ok[i + 1]
        elif _is_closing(text):
            ok[i] = _closing_ends_in_signature(stripped, lines, ends_signature, i)
        elif set(text) == {"_"} and len(text) >= 10:  # a mailing-list footer
            ok[i] = any(ok[j] for j in range(i + 1, min(n, i + 1 + FOOTER_MAX_LINES) + 1))
        elif text[0] in "-_=*~" and _patterns().rule.fullmatch(text):  # a rule above hideable text
            j = i + 1
            while j < n and not stripped[j]:
                j += 1
            ok[i] = j < n and ok[j]
    return ok, history


def _closing_ends_in_signature(
    stripped: list[str], lines: list[str], ends_signature: list[bool], i: int
) -> bool:
    """A closing counts only when a few name lines lead to a device line or `--`."""
    for j in range(i + 1, min(len(lines), i + 2 + CLOSING_MAX_LINES)):
        if ends_signature[j]:
            return True
        if stripped[j] and not _is_name_line(stripped[j]):
            return False
    return False


def _is_name_line(text: str) -> bool:
    """A name, title, company or contact line: not a sentence of the message."""
    if len(text) > 50 or text[-1] in "?!:" or _is_closing(text) or text.startswith(">"):
        return False
    if any(ch.isdigit() for ch in text) or "@" in text or "www." in text.lower():
        return True  # a phone number, an address, a web site
    words = text.split()
    if len(words) > 5 or not text[0].isupper():
        return False
    # Names and company names are capitalised; "Lomake ei toimi" is a sentence.
    return not any(w.isalpha() and w.islower() and len(w) > 3 for w in words)


def split_reply(body: str) -> Split:
    """Split a plain-text mail body into the new text and the quoted/signature rest.

    `text + rest == body`. The cut is at the first line from which everything can be
    hidden; when that would hide the whole body, nothing is hidden.
    """
    lines = body.split("\n")
    ok, history = _hideable(lines)
    offset = 0
    text_end = -1  # offset just after the last non-empty line so far
    for i, line in enumerate(lines):
        if line.strip():
            if ok[i]:
                if text_end < 0:
                    break  # all of it is quote or signature: show it all
                return Split(body[:text_end], body[text_end:], history[i])
            text_end = min(offset + len(line) + 1, len(body))
        offset += len(line) + 1
    return Split(body, "", False)
