"""Payment identifiers and bank payloads: pure functions, no I/O.

- IBAN (ISO 13616) and BIC (ISO 9362) checks, used when the config is loaded;
- the Finnish reference number (viitenumero, check digit by weights 7-3-1 from the
  right, Finance Finland's "Viitenumero ja tarkiste" rules) and the international RF
  creditor reference (ISO 11649, ISO 7064 mod 97-10);
- the Czech variable symbol (variabilní symbol: digits only, at most 10);
- the Finnish bank barcode as its 54-digit text (virtuaaliviivakoodi, Finance
  Finland "Pankkiviivakoodi-opas" versions 4 and 5);
- the EPC QR payload (European Payments Council, "Quick Response Code: Guidelines to
  Enable Data Capture for the Initiation of a SEPA Credit Transfer", EPC069-12,
  version 002) and the Czech QR Platba payload (Czech Banking Association, "Formát
  pro sdílení platebních údajů v rámci tuzemského platebního styku v CZK
  prostřednictvím QR kódů", SPD 1.0).

Amounts are integer minor units; the payloads print them with a dot and two decimals.
"""

from __future__ import annotations

from datetime import date

# IBAN lengths of the countries we are most likely to see; others are checked by
# mod 97 and the general shape only.
IBAN_LENGTHS = {
    "AT": 20,
    "BE": 16,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "IE": 22,
    "IT": 27,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "SE": 24,
    "SK": 24,
}


def _alnum_to_digits(text: str) -> str:
    """ISO 7064 letters to numbers: A=10 ... Z=35, digits kept."""
    return "".join(str(int(ch, 36)) for ch in text)


def compact(text: str) -> str:
    """Spaces removed, upper case: 'fi21 1234 5600 0007 85' -> 'FI2112345600000785'."""
    return "".join(text.split()).upper()


def iban_error(iban: str) -> str | None:
    """None for a valid IBAN, else what is wrong with it."""
    value = compact(iban)
    if not (value.isascii() and value.isalnum()) or len(value) < 15 or len(value) > 34:
        return "an IBAN of 15 to 34 letters and digits"
    country, check = value[:2], value[2:4]
    if not (country.isalpha() and check.isdigit()):
        return "an IBAN starting with a country code and two check digits"
    expected = IBAN_LENGTHS.get(country)
    if expected is not None and len(value) != expected:
        return f"a {country} IBAN of {expected} characters (found {len(value)})"
    if int(_alnum_to_digits(value[4:] + value[:4])) % 97 != 1:
        return "an IBAN whose check digits are right (mod 97)"
    return None


def is_iban(iban: str) -> bool:
    return iban_error(iban) is None


def format_iban(iban: str) -> str:
    """In groups of four, as printed on paper."""
    value = compact(iban)
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def is_bic(bic: str) -> bool:
    """ISO 9362: 4 letters (institution), 2 letters (country), 2 alphanumerics
    (location), optionally 3 alphanumerics (branch)."""
    value = bic.strip().upper()
    return len(value) in (8, 11) and value.isascii() and value.isalnum() and value[:6].isalpha()


def czech_account_from_iban(iban: str) -> str:
    """The domestic form of a CZ IBAN: 'prefix-number/bank', prefix left out when 0."""
    value = compact(iban)
    if not value.startswith("CZ") or len(value) != 24:
        raise ValueError("not a Czech IBAN")
    bank, prefix, number = value[4:8], value[8:14].lstrip("0"), value[14:].lstrip("0") or "0"
    return f"{prefix + '-' if prefix else ''}{number}/{bank}"


def same_czech_account(account: str, iban: str) -> bool:
    """Whether '19-2000145399/0800' names the same account as the CZ IBAN."""
    try:
        return czech_account_from_iban(iban) == _normal_czech_account(account)
    except ValueError:
        return False


def _normal_czech_account(account: str) -> str:
    text = "".join(account.split())
    numbers, slash, bank = text.partition("/")
    prefix, dash, number = numbers.rpartition("-")
    if not slash or not (bank.isdigit() and len(bank) == 4 and number.isdigit()):
        raise ValueError("not a Czech account number")
    if dash and not prefix.isdigit():
        raise ValueError("not a Czech account number")
    prefix = prefix.lstrip("0")
    return f"{prefix + '-' if prefix else ''}{number.lstrip('0') or '0'}/{bank}"


# --- references ------------------------------------------------------------------

_WEIGHTS = (7, 3, 1)


def fi_check_digit(base: str) -> int:
    """The 7-3-1 check digit of a Finnish reference base (weights from the right)."""
    total = sum(int(d) * _WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return (10 - total % 10) % 10


def fi_reference(base: str) -> str:
    """A Finnish reference number: the base (3 to 19 digits) and its check digit."""
    digits = base.lstrip("0")
    if not digits.isdigit() or not 3 <= len(digits) <= 19:
        raise ValueError("a Finnish reference base is 3 to 19 digits, not starting with 0")
    return f"{digits}{fi_check_digit(digits)}"


def is_fi_reference(reference: str) -> bool:
    value = compact(reference)
    return (
        value.isdigit()
        and 4 <= len(value) <= 20
        and value[0] != "0"
        and fi_check_digit(value[:-1]) == int(value[-1])
    )


def rf_reference(base: str) -> str:
    """ISO 11649 creditor reference 'RFkk' + base (1 to 21 letters and digits)."""
    value = compact(base)
    if not (value.isascii() and value.isalnum()) or not 1 <= len(value) <= 21:
        raise ValueError("an RF reference base is 1 to 21 letters and digits")
    check = 98 - int(_alnum_to_digits(value + "RF00")) % 97
    return f"RF{check:02d}{value}"


def is_rf_reference(reference: str) -> bool:
    value = compact(reference)
    return (
        value.startswith("RF")
        and 5 <= len(value) <= 25
        and value.isascii()
        and value.isalnum()
        and value[2:4].isdigit()
        and int(_alnum_to_digits(value[4:] + value[:4])) % 97 == 1
    )


def format_reference(reference: str) -> str:
    """Groups of five from the right (Finnish) or of four (RF), as printed on invoices."""
    value = compact(reference)
    if value.startswith("RF"):
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    head = len(value) % 5
    groups = [value[:head]] if head else []
    groups += [value[i : i + 5] for i in range(head, len(value), 5)]
    return " ".join(groups)


def invoice_digits(number: str) -> str:
    """The digits of an invoice number ('2026-0007' -> '20260007')."""
    return "".join(ch for ch in number if ch.isdigit())


def reference_for(number: str, kind: str) -> str:
    """The payment reference of an invoice: kind 'fi' (viitenumero) or 'rf'."""
    base = invoice_digits(number).lstrip("0")
    if len(base) < 3:  # a reference base has three digits at least: '7' -> '107'
        base = "1" + base.zfill(2)
    if kind == "rf":
        return rf_reference(fi_reference(base[-19:]))
    return fi_reference(base[-19:])


def variable_symbol(number: str) -> str:
    """The Czech variabilní symbol of an invoice: its digits, the last ten at most."""
    digits = invoice_digits(number).lstrip("0")
    if not digits:
        raise ValueError(f"invoice number '{number}' has no digits for a variable symbol")
    return digits[-10:]


# --- Finnish bank barcode --------------------------------------------------------


def virtual_barcode(iban: str, amount_minor: int, reference: str, due: date | None) -> str:
    """The 54-digit virtuaaliviivakoodi: version 4 (Finnish reference) or 5 (RF).

    An amount over 999 999,99 EUR or not positive is written as zeros (the payer types
    it), and a missing due date as 000000, as the barcode guide says.
    """
    value = compact(iban)
    if not value.startswith("FI") or iban_error(value) is not None:
        raise ValueError("the bank barcode needs a valid Finnish IBAN")
    if 0 < amount_minor <= 99_999_999:
        euros, cents = divmod(amount_minor, 100)
    else:
        euros = cents = 0
    due_text = due.strftime("%y%m%d") if due is not None else "000000"
    ref = compact(reference)
    if ref.startswith("RF"):
        if not is_rf_reference(ref) or len(ref) > 25 or not ref[4:].isdigit():
            raise ValueError("the bank barcode needs a numeric RF reference")
        code = f"5{value[2:]}{euros:06d}{cents:02d}{ref[2:4]}{ref[4:].rjust(21, '0')}{due_text}"
    else:
        if not is_fi_reference(ref):
            raise ValueError("the bank barcode needs a valid Finnish reference")
        code = f"4{value[2:]}{euros:06d}{cents:02d}000{ref.rjust(20, '0')}{due_text}"
    assert len(code) == 54, code
    return code


# --- QR payloads -----------------------------------------------------------------


def _amount_text(amount_minor: int) -> str:
    euros, cents = divmod(amount_minor, 100)
    return f"{euros}.{cents:02d}"


def epc_qr_payload(
    *,
    bic: str,
    name: str,
    iban: str,
    amount_minor: int,
    reference: str | None = None,
    text: str | None = None,
) -> str:
    """The EPC QR code's text ("BCD" SEPA credit transfer, version 002, UTF-8).

    Lines: service tag BCD, version 002, character set 1 (UTF-8), identification SCT,
    BIC, beneficiary name (70 at most), IBAN, 'EUR' amount (0.01 to 999999999.99,
    a dot and at most two decimals), purpose (empty), structured reference (35 at
    most: the RF reference, or the Finnish one as Finnish banks accept there) or else
    unstructured remittance text (140 at most). Trailing empty lines are left out.
    """
    if not 1 <= amount_minor <= 99_999_999_999:
        raise ValueError("an EPC QR amount is 0.01 to 999999999.99 EUR")
    clean_name = " ".join(name.split())[:70]
    if not clean_name:
        raise ValueError("an EPC QR code needs the beneficiary's name")
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        bic.strip().upper(),
        clean_name,
        compact(iban),
        f"EUR{_amount_text(amount_minor)}",
        "",
        compact(reference)[:35] if reference else "",
        "" if reference else " ".join((text or "").split())[:140],
    ]
    while lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode("utf-8")) > 331:
        raise ValueError("an EPC QR payload is at most 331 bytes")
    return payload


# SPD values: printable ASCII without '*' (the field separator); the standard allows
# more of ISO 8859-1, but the banking apps agree on this subset.
def spd_text(value: str, limit: int) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    cleaned = "".join(ch if 32 <= ord(ch) < 127 and ch != "*" else " " for ch in plain)
    return " ".join(cleaned.split())[:limit]


def spd_payload(
    *,
    iban: str,
    bic: str | None,
    amount_minor: int,
    currency: str,
    variable_symbol: str | None = None,
    constant_symbol: str | None = None,
    due: date | None = None,
    message: str | None = None,
    recipient: str | None = None,
) -> str:
    """The QR Platba text: 'SPD*1.0*ACC:…*AM:…*CC:…*…', fields in the standard's order.

    ACC is the IBAN, '+BIC' optionally; AM has a dot and two decimals (10 characters at
    most); CC the ISO 4217 code; DT the due date YYYYMMDD; X-VS and X-KS digits (10);
    RN the recipient (35); MSG a message for the payee (60).
    """
    if not 1 <= amount_minor <= 99_999_999_99:
        raise ValueError("a QR Platba amount is 0.01 to 9999999.99")
    account = compact(iban) + (f"+{bic.strip().upper()}" if bic else "")
    fields = [
        "SPD",
        "1.0",
        f"ACC:{account}",
        f"AM:{_amount_text(amount_minor)}",
        f"CC:{currency.upper()}",
    ]
    if due is not None:
        fields.append(f"DT:{due.strftime('%Y%m%d')}")
    for key, symbol in (("X-VS", variable_symbol), ("X-KS", constant_symbol)):
        if symbol:
            if not (symbol.isascii() and symbol.isdigit() and len(symbol) <= 10):
                raise ValueError(f"{key} is at most ten digits")
            fields.append(f"{key}:{symbol}")
    if recipient:
        fields.append(f"RN:{spd_text(recipient, 35)}")
    if message:
        fields.append(f"MSG:{spd_text(message, 60)}")
    return "*".join(fields)
