"""Payment references, IBAN/BIC checks, the Finnish bank barcode and the QR payloads,
against the published examples of the standards and the banks' guides."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain import payment


@pytest.mark.parametrize(
    ("base", "reference"),
    [
        ("123", "1232"),  # Finance Finland's reference-number guide
        ("123456", "1234561"),
        ("1234567", "12345672"),
        ("86851625961989", "868516259619897"),  # the bank barcode guide's invoice 1
        ("55958224329467", "559582243294671"),  # ... invoice 2
    ],
)
def test_finnish_reference_check_digit(base: str, reference: str) -> None:
    assert payment.fi_reference(base) == reference
    assert payment.is_fi_reference(reference)


def test_finnish_reference_refuses_a_wrong_check_digit_or_a_short_base() -> None:
    assert not payment.is_fi_reference("1233")
    with pytest.raises(ValueError):
        payment.fi_reference("12")


@pytest.mark.parametrize(
    ("base", "reference"),
    [
        ("539007547034", "RF18539007547034"),  # ISO 11649's own example
        ("868516259619897", "RF09868516259619897"),  # the bank barcode guide, version 5
        ("559582243294671", "RF06559582243294671"),
        ("12342345", "RF9212342345"),
    ],
)
def test_rf_creditor_reference(base: str, reference: str) -> None:
    assert payment.rf_reference(base) == reference
    assert payment.is_rf_reference(reference)
    assert not payment.is_rf_reference(reference[:-1] + str((int(reference[-1]) + 1) % 10))


@given(st.integers(min_value=100, max_value=10**19 - 1))
def test_any_base_gives_a_reference_that_checks(base: int) -> None:
    ref = payment.fi_reference(str(base))
    assert payment.is_fi_reference(ref)
    assert payment.is_rf_reference(payment.rf_reference(ref))


@pytest.mark.parametrize(
    "iban",
    [
        "GB82 WEST 1234 5698 7654 32",  # ISO 13616's example
        "FI21 1234 5600 0007 85",  # Finance Finland's example
        "CZ65 0800 0000 1920 0014 5399",  # the Czech National Bank's example
        "DE89 3704 0044 0532 0130 00",
    ],
)
def test_valid_ibans(iban: str) -> None:
    assert payment.iban_error(iban) is None


@pytest.mark.parametrize(
    "iban",
    ["FI21 1234 5600 0007 86", "FI21 1234 5600 0007 8", "GB82WEST12345698765433", "XX", "FI2!"],
)
def test_invalid_ibans(iban: str) -> None:
    assert payment.iban_error(iban) is not None


def test_bic_shape() -> None:
    assert payment.is_bic("NDEAFIHH")
    assert payment.is_bic("GIBACZPX")
    assert payment.is_bic("DEUTDEFF500")
    assert not payment.is_bic("NDEAFIH")
    assert not payment.is_bic("NDEA1IHH")
    assert not payment.is_bic("NDEAFIHH5")


def test_czech_account_form_of_an_iban() -> None:
    iban = "CZ6508000000192000145399"
    assert payment.czech_account_from_iban(iban) == "19-2000145399/0800"
    assert payment.same_czech_account("19-2000145399/0800", iban)
    assert payment.same_czech_account("000019-2000145399/0800", iban)
    assert not payment.same_czech_account("2000145399/0800", iban)
    assert payment.czech_account_from_iban("CZ5508000000001234567899") == "1234567899/0800"


def test_invoice_references_and_variable_symbol() -> None:
    assert payment.reference_for("2026-0007", "fi") == "202600075"
    assert payment.is_rf_reference(payment.reference_for("2026-0007", "rf"))
    assert payment.reference_for("7", "fi") == payment.fi_reference("107")
    assert payment.variable_symbol("2026-0007") == "20260007"
    assert payment.variable_symbol("INV-2026/000012345") == "6000012345"
    assert payment.format_reference("868516259619897") == "86851 62596 19897"
    assert payment.format_reference("RF18539007547034") == "RF18 5390 0754 7034"


# The bank barcode guide's (Finance Finland, Pankkiviivakoodi-opas) test invoices.
@pytest.mark.parametrize(
    ("iban", "amount", "reference", "due", "code"),
    [
        (
            "FI79 4405 2020 0360 82",
            488315,
            "86851 62596 19897",
            date(2010, 6, 12),
            "479440520200360820048831500000000868516259619897100612",
        ),
        (
            "FI58 1017 1000 0001 22",
            48299,
            "55958 22432 94671",
            date(2012, 1, 31),
            "458101710000001220004829900000000559582243294671120131",
        ),
        (
            "FI02 5000 4640 0013 02",
            69380,
            "69 87567 20834 35364",
            date(2011, 7, 24),
            "402500046400013020006938000000069875672083435364110724",
        ),
        (
            "FI16 8000 1400 0502 67",
            93585,
            "78777679656628687",
            None,
            "416800014000502670009358500000078777679656628687000000",
        ),
        (
            "FI79 4405 2020 0360 82",
            488315,
            "RF09 8685 1625 9619 897",
            date(2010, 6, 12),
            "579440520200360820048831509000000868516259619897100612",
        ),
        (
            "FI58 1017 1000 0001 22",
            48299,
            "RF06 5595 8224 3294 671",
            date(2010, 1, 31),
            "558101710000001220004829906000000559582243294671100131",
        ),
        (
            "FI73 3131 3001 0000 58",
            0,
            "RF10868624",
            date(2013, 8, 9),
            "573313130010000580000000010000000000000000868624130809",
        ),
    ],
)
def test_virtual_barcode_matches_the_guide(iban, amount, reference, due, code) -> None:
    assert payment.virtual_barcode(iban, amount, reference, due) == code
    assert len(code) == 54


def test_virtual_barcode_refuses_what_it_cannot_carry() -> None:
    with pytest.raises(ValueError):
        payment.virtual_barcode("CZ6508000000192000145399", 100, "1232", None)
    with pytest.raises(ValueError):
        payment.virtual_barcode("FI2112345600000785", 100, "1233", None)


def test_epc_payload_follows_the_guideline() -> None:
    text = payment.epc_qr_payload(
        bic="NDEAFIHH",
        name="Koodiverstas  Oy",
        iban="FI21 1234 5600 0007 85",
        amount_minor=123450,
        reference="RF18539007547034",
    )
    lines = text.split("\n")
    assert lines == [
        "BCD",
        "002",
        "1",
        "SCT",
        "NDEAFIHH",
        "Koodiverstas Oy",
        "FI2112345600000785",
        "EUR1234.50",
        "",
        "RF18539007547034",
    ]
    with pytest.raises(ValueError):
        payment.epc_qr_payload(bic="X", name="N", iban="FI2112345600000785", amount_minor=0)


def test_epc_payload_with_text_instead_of_a_reference() -> None:
    text = payment.epc_qr_payload(
        bic="NDEAFIHH", name="A", iban="FI2112345600000785", amount_minor=5, text="Lasku  7"
    )
    assert text.split("\n")[7:] == ["EUR0.05", "", "", "Lasku 7"]


def test_spd_payload_follows_the_format() -> None:
    text = payment.spd_payload(
        iban="CZ65 0800 0000 1920 0014 5399",
        bic="GIBACZPX",
        amount_minor=4805000,
        currency="CZK",
        variable_symbol="20260007",
        constant_symbol="0308",
        due=date(2026, 11, 16),
        message="Faktura 2026-0007 * Žďár",
    )
    assert text == (
        "SPD*1.0*ACC:CZ6508000000192000145399+GIBACZPX*AM:48050.00*CC:CZK*DT:20261116"
        "*X-VS:20260007*X-KS:0308*MSG:Faktura 2026-0007 Zdar"
    )
    with pytest.raises(ValueError):
        payment.spd_payload(
            iban="CZ6508000000192000145399",
            bic=None,
            amount_minor=100,
            currency="CZK",
            variable_symbol="12345678901",
        )


@given(st.text(max_size=200))
def test_spd_text_never_carries_a_separator_or_a_control(value: str) -> None:
    cleaned = payment.spd_text(value, 60)
    assert "*" not in cleaned and len(cleaned) <= 60
    assert all(32 <= ord(ch) < 127 for ch in cleaned)
