"""Every file of the shared real-world corpus parses; header-backed classifications hold.

Rows whose evidence is only the subject, or `human` (the default, not verified), or a
bounce known only because the file comes from a bounce corpus, are hints, not truths.
"""

from __future__ import annotations

import csv

import pytest

from supportctl.mail.classify import classify
from supportctl.mail.parse import parse_message
from tests.conftest import CORPUS, in_ci

if not (CORPUS / "manifest.tsv").exists():  # the corpus sits in ../shared beside the clone
    if in_ci():
        raise RuntimeError("the shared mail corpus is missing at " + str(CORPUS))
    pytest.skip("the shared mail corpus is not available", allow_module_level=True)

ROWS = list(csv.DictReader((CORPUS / "manifest.tsv").open(encoding="utf-8"), delimiter="\t"))
HEADER_BACKED = (
    "delivery-status",
    "auto-submitted",
    "list-headers",
    "from-daemon+subject",
    "x-autoreply",
)


def _backed(row: dict[str, str]) -> bool:
    evidence = row["evidence"].split(";")[0]
    return row["expected"] in ("bounce", "autoreply", "list") and evidence.startswith(HEADER_BACKED)


@pytest.mark.parametrize("row", ROWS, ids=[r["path"] for r in ROWS])
def test_corpus_file_parses(row: dict[str, str]) -> None:
    raw = (CORPUS / row["path"]).read_bytes()
    mail = parse_message(raw)
    assert isinstance(mail.text, str)
    assert all(a.sha256 and a.position == n for n, a in enumerate(mail.attachments, 1))
    result = classify(
        mail.headers,
        from_addr=mail.from_addr,
        subject=mail.subject,
        content_type=mail.content_type,
        report_type=mail.report_type,
    )
    if _backed(row):
        assert result.kind == row["expected"], (
            f"{result.kind} ({result.reason}), manifest: {row['evidence']}"
        )


def test_corpus_has_backed_rows() -> None:
    assert sum(_backed(r) for r in ROWS) >= 40
    assert len(ROWS) == 311
