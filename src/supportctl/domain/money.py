"""Money parsing and arithmetic in integer minor units and Decimal, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Minor-unit exponents of the currencies we bill in; anything else defaults to 2.
MINOR_DIGITS = {"EUR": 2, "CZK": 2, "USD": 2, "SEK": 2, "NOK": 2, "DKK": 2, "GBP": 2, "JPY": 0}


# The largest amount accepted anywhere (10 billion in major units of a 2-digit currency):
# far beyond any invoice, and small enough that rate x minutes and every sum of them
# stays inside SQLite's 64-bit integers.
MAX_AMOUNT_MINOR = 10**12


def minor_digits(currency: str) -> int:
    return MINOR_DIGITS.get(currency, 2)


def parse_amount(text: str, currency: str) -> int:
    """'60.00' or '60,5' -> minor units; ValueError on anything that is not a plain amount."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount; write it like 60.00") from None
    if not value.is_finite():
        raise ValueError(f"'{text}' is not an amount")
    digits = minor_digits(currency)
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"'{text}' has more than {digits} decimals for {currency}")
    if abs(scaled) > MAX_AMOUNT_MINOR:
        most = Decimal(MAX_AMOUNT_MINOR).scaleb(-digits)
        raise ValueError(f"'{text}' is too large (at most {most:f})")
    return int(scaled)


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-minor_digits(currency))


def round_half_up(value: Decimal) -> int:
    """Round a Decimal amount already in minor units to an integer, half away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_plain(amount_minor: int, currency: str) -> str:
    """'1234.50 EUR': locale-free, for tables and logs."""
    return f"{to_decimal(amount_minor, currency):.{minor_digits(currency)}f} {currency}"
