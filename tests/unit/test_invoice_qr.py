"""The QR codes on invoices, decoded back with a real decoder (zbarimg, Debian's
zbar-tools), and their payloads checked field by field against the EPC guideline
(EPC069-12 v002) and the Czech QR Platba format (SPD 1.0)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from supportctl.domain import payment
from supportctl.render import invoice as render
from tests.unit.test_invoice_render import sample_report

pytestmark = pytest.mark.skipif(
    shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) is not installed"
)


def decode(png: bytes, tmp_path: Path) -> str:
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sbinary", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return done.stdout.decode("utf-8").removesuffix("\n")


def svg_of(html: str) -> bytes:
    found = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert found, "no QR image in the HTML"
    return base64.b64decode(found.group(1))


def test_finnish_invoice_carries_an_epc_qr_code_that_decodes(tmp_path: Path) -> None:
    report = sample_report("fi_FI")
    assert report.payment is not None and report.payment.qr_kind == "epc"
    html = render.render_text(report, "html")
    svg = svg_of(html)
    assert svg == render.qr_svg(report.payment.qr_payload)  # the image is of the payload
    decoded = decode(render.qr_png(report.payment.qr_payload), tmp_path)
    assert decoded == report.payment.qr_payload
    lines = decoded.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]  # service tag, version, UTF-8, SCT
    assert lines[4] == "NDEAFIHH" and payment.is_bic(lines[4])
    assert lines[5] == "Koodiverstas Oy" and len(lines[5]) <= 70
    assert lines[6] == "FI2112345600000785" and payment.is_iban(lines[6])
    assert re.fullmatch(r"EUR\d{1,9}\.\d{2}", lines[7])
    assert lines[7] == "EUR" + f"{report.gross_minor // 100}.{report.gross_minor % 100:02d}"
    assert lines[8] == ""  # purpose
    assert lines[9] == report.payment.reference and payment.is_fi_reference(lines[9])
    assert len(decoded.encode()) <= 331


def test_finnish_invoice_shows_the_bank_barcode_of_the_same_payment() -> None:
    report = sample_report("fi_FI")
    assert report.payment is not None and report.payment.barcode is not None
    code = report.payment.barcode
    assert len(code) == 54 and code[0] == "4"
    assert code[1:17] == "2112345600000785"
    assert int(code[17:23]) * 100 + int(code[23:25]) == report.gross_minor
    assert code[28:48].lstrip("0") == report.payment.reference
    assert code[48:] == "261116"
    for fmt in ("html", "md", "txt"):
        assert code in render.render_text(report, fmt), fmt


def test_czech_invoice_carries_a_qr_platba_code_that_decodes(tmp_path: Path) -> None:
    report = sample_report("cs_CZ")
    assert report.payment is not None and report.payment.qr_kind == "spd"
    html = render.render_text(report, "html")
    assert svg_of(html) == render.qr_svg(report.payment.qr_payload)
    decoded = decode(render.qr_png(report.payment.qr_payload), tmp_path)
    assert decoded == report.payment.qr_payload
    assert decoded.startswith("SPD*1.0*ACC:")
    fields = decoded.split("*")[2:]
    keys = [f.split(":", 1)[0] for f in fields]
    assert keys == ["ACC", "AM", "CC", "DT", "X-VS", "X-KS", "MSG"]
    values = dict(f.split(":", 1) for f in fields)
    iban, _, bic = values["ACC"].partition("+")
    assert payment.is_iban(iban) and iban.startswith("CZ") and bic == "GIBACZPX"
    assert re.fullmatch(r"\d{1,7}\.\d{2}", values["AM"]) and len(values["AM"]) <= 10
    assert values["AM"] == f"{report.gross_minor // 100}.{report.gross_minor % 100:02d}"
    assert values["CC"] == "CZK"
    assert values["DT"] == "20261116"
    assert values["X-VS"] == "20260007" and len(values["X-VS"]) <= 10
    assert values["X-KS"] == "0308"
    assert values["MSG"] == "Faktura 2026-0007" and len(values["MSG"]) <= 60
    assert all(32 <= ord(ch) < 127 for ch in decoded)


def test_czech_invoice_carries_every_tax_document_field() -> None:
    report = sample_report("cs_CZ")
    html = render.render_text(report, "html")
    for needle in (
        "Faktura – daňový doklad",
        "Datum vystavení",
        "Datum zdan. plnění",
        "31. 10. 2026",  # DUZP: the last day of the month billed
        "Datum splatnosti",
        "Variabilní symbol",
        "20260007",
        "Konstantní symbol",
        "IČO: 1234567-8",
        "IČO: 12345678",
        "DIČ: FI12345678",
        "DIČ: CZ12345678",
        "Rekapitulace DPH",
        "19-2000145399/0800",
        "QR Platba",
    ):
        assert needle in html, needle
    for fmt in ("md", "txt"):
        text = render.render_text(report, fmt)
        assert "20260007" in text and "19-2000145399/0800" in text
        assert "data:image" not in text  # the payment lines instead of the image


def test_a_draft_has_no_reference_and_no_code() -> None:
    report = sample_report("fi_FI", number=None)
    assert report.payment is not None
    assert report.payment.reference is None and report.payment.qr_payload is None
    assert report.payment.barcode is None
    html = render.render_text(report, "html")
    assert "data:image" not in html and "luonnos" in html
