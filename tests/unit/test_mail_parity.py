"""Decoded like the stdlib: our subject, sender, body text and references against
`email.policy.default`, for every file of the shared corpus, CPython's own test_email
messages (when the Python install has them) and our Finnish/Czech fixtures.

A file may differ only for a reason named here (`accepted`); anything else fails and
is listed. `python -m tests.unit.test_mail_parity` prints the report.
"""

from __future__ import annotations

import csv
import email
import email.policy
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from supportctl.mail.parse import parse_message, tidy_text
from tests.conftest import CORPUS, FIXTURES, in_ci

CPYTHON_DATA = Path(sys.base_prefix) / "lib" / "python3.11" / "test" / "test_email" / "data"
_REPLACEMENT = re.compile("[\ufffd\udc80-\udcff]")
_ANGLED = re.compile(r"<([^<>]*)>")


def _files() -> list[Path]:
    files: list[Path] = []
    if (CORPUS / "manifest.tsv").exists():
        rows = csv.DictReader((CORPUS / "manifest.tsv").open(encoding="utf-8"), delimiter="\t")
        files += [CORPUS / r["path"] for r in rows]
    if CPYTHON_DATA.is_dir():
        files += sorted(CPYTHON_DATA.glob("msg_*.txt"))
    files += sorted((FIXTURES / "mail").glob("*.eml"))
    return files


def _norm(text: str) -> str:
    """White space runs as one space: we unfold and collapse, the stdlib keeps them; and
    no NUL characters: ours drops them (PostgreSQL text cannot hold them)."""
    return " ".join(text.replace("\x00", "").split())


@dataclass
class Difference:
    field: str
    ours: object
    stdlib: object
    accepted: str | None  # the reason, or None: a real difference


def _stdlib_undecodable(value: object) -> bool:
    return isinstance(value, str) and _REPLACEMENT.search(value) is not None


MISLABELLED = "UTF-8 labelled Latin-1: the stdlib shows mojibake (HyvÃ¤Ã¤), ours reads the UTF-8"


def _mislabelled_utf8(ours: str, theirs: str) -> bool:
    for codec in ("latin-1", "windows-1252"):
        try:
            if _norm(theirs.encode(codec).decode("utf-8")) in _norm(ours):
                return True
        except UnicodeError:
            continue
    return False


def compare(raw: bytes) -> list[Difference]:
    ours = parse_message(raw)
    std = email.message_from_bytes(raw, policy=email.policy.default)
    out: list[Difference] = []

    def differ(field: str, mine: object, theirs: object, why: str | None) -> None:
        out.append(Difference(field, mine, theirs, why))

    # Subject
    try:
        subject = _norm(str(std["subject"] or ""))
    except Exception as exc:  # the stdlib's own parser fails on some junk
        subject = f"!{type(exc).__name__}"
    if _norm(ours.subject) != subject:
        why = None
        if subject.startswith("!"):
            why = "the stdlib raises on this header; ours decodes it"
        elif _mislabelled_utf8(ours.subject, str(std["subject"])):
            why = MISLABELLED
        elif _stdlib_undecodable(subject):
            why = "raw 8-bit bytes: the stdlib keeps them undecoded, ours guesses the charset"
        elif len(str(std["subject"] or "")) > 16_000:
            why = "header cap: ours reads the first 16,000 characters"
        differ("subject", ours.subject, subject, why)

    # Sender name and address
    try:
        header = std["from"] or std["sender"]
        boxes = list(header.addresses) if header is not None else []
        theirs: tuple[str, str] | str = (
            (boxes[0].display_name, boxes[0].addr_spec) if boxes else ("", "")
        )
    except Exception as exc:
        theirs = f"!{type(exc).__name__}"
    mine = (_norm(ours.from_name), ours.from_addr)
    if isinstance(theirs, tuple):
        theirs = (_norm(theirs[0]), theirs[1])
    if mine != theirs:
        why = None
        if isinstance(theirs, str):
            why = "the stdlib raises on this header; ours reads it"
        elif any(_stdlib_undecodable(v) for v in theirs):
            why = "raw 8-bit bytes: the stdlib keeps them undecoded, ours guesses the charset"
        elif "@" in mine[1] and (
            "@" not in theirs[1] or (theirs[1].startswith('"') and theirs[1].endswith('"'))
        ):
            why = (
                "the stdlib's parse has no address (one encoded word holding `Name <address>`,"
                " a broken domain): ours uses the one <addr-spec> of the decoded text"
            )
        elif ours.from_problem.startswith("the display name shows another address"):
            why = (
                "`From: a@x <b@y>`: the stdlib reads the display name's address, ours the "
                "addr-spec in angle brackets that servers and DMARC read (CVE-2023-27043)"
            )
        elif theirs[1] in ("", "<>"):
            why = "a mailbox without an address (`<>`): ours skips it and takes the next"
        differ("from", mine, theirs, why)

    # Body text: the stdlib's preferred body must be what we show (we may show more:
    # every inline text part, forwarded messages).
    try:
        body = std.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
        kind = body.get_content_type() if body is not None else ""
    except Exception as exc:
        text, kind = f"!{type(exc).__name__}", ""
    theirs_text = _norm(tidy_text(text)) if isinstance(text, str) else ""
    if theirs_text and theirs_text not in _norm(ours.text):
        why = None
        if theirs_text.startswith("!"):
            why = "the stdlib raises reading the body; ours reads it"
        elif kind == "text/html":
            why = "HTML body: ours is the text html2text reads from it"
        elif _mislabelled_utf8(ours.text, tidy_text(text)):
            why = MISLABELLED
        elif any(a.content_type in ("text/plain", "text/html") for a in ours.attachments):
            why = "a text part with a file name: ours keeps it as an attachment (a sent file)"
        elif _stdlib_undecodable(text):
            why = "undeclared or mislabelled 8-bit text: the stdlib shows U+FFFD, ours guesses"
        elif len(raw) > 2_000_000:
            why = "text cap: a text part over 2 MB is kept as an attachment"
        elif ours.content_type.startswith("multipart/") and not kind:
            why = "a multipart without its boundary: ours shows its raw text"
        differ("body", _norm(ours.text)[:200], theirs_text[:200], why)

    # References: the stdlib keeps the header as text; its ids are the <...> tokens.
    try:
        value = "".join(str(std["references"] or "").splitlines())
    except Exception:
        value = ""
    angled = list(dict.fromkeys("".join(i.split()) for i in _ANGLED.findall(value)))
    angled = [i for i in angled if "@" in i]
    if len(angled) > 100:
        angled = angled[:10] + angled[-90:]
    if ours.references != angled:
        why = None
        if set(angled) <= set(ours.references):
            why = "ids without angle brackets (older mailers): ours keeps them too"
        differ("references", ours.references[:5], angled[:5], why)
    return out


def report() -> tuple[int, dict[str, list[tuple[str, Difference]]], list[str]]:
    """(files compared, accepted differences by reason, unexplained differences)."""
    accepted: dict[str, list[tuple[str, Difference]]] = {}
    unexplained: list[str] = []
    files = _files()
    for path in files:
        for diff in compare(path.read_bytes()):
            if diff.accepted:
                accepted.setdefault(diff.accepted, []).append((str(path), diff))
            else:
                unexplained.append(
                    f"{path}: {diff.field}: ours {diff.ours!r}, stdlib {diff.stdlib!r}"
                )
    return len(files), accepted, unexplained


def test_corpus_decodes_like_the_stdlib() -> None:
    if not (CORPUS / "manifest.tsv").exists():
        if in_ci():
            raise RuntimeError("the shared mail corpus is missing at " + str(CORPUS))
        pytest.skip("the shared mail corpus is not available")
    count, accepted, unexplained = report()
    assert count >= 311 + len(list((FIXTURES / "mail").glob("*.eml")))
    assert unexplained == [], "\n".join(unexplained)
    differing = {p for items in accepted.values() for p, _d in items}
    assert len(differing) < count // 4  # most files agree on every field (86 of 377 do not)


def test_cpython_test_email_data_is_compared_when_present() -> None:
    if not CPYTHON_DATA.is_dir():
        pytest.skip(f"CPython's test_email data is not installed ({CPYTHON_DATA})")
    for path in sorted(CPYTHON_DATA.glob("msg_*.txt")):
        assert [d for d in compare(path.read_bytes()) if not d.accepted] == [], path


if __name__ == "__main__":
    total, by_reason, real = report()
    files = {p for items in by_reason.values() for p, _d in items}
    print(f"{total} files compared; {len(files)} differ for an accepted reason; {len(real)} not")
    for reason, items in sorted(by_reason.items()):
        print(f"\n{reason} ({len(items)}):")
        for path, diff in items:
            print(f"  {path}: {diff.field}")
    for line in real:
        print("UNEXPLAINED", line)
