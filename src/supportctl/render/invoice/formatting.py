"""Invoice locale formatting and texts: numbers, money, dates and times in the
customer's locale, and the labels in the customer's language.

Numbers and dates follow the customer's locale through babel. babel is slow per call
(it parses a pattern each time), and a month of 50,000 entries means hundreds of
thousands of calls, so each locale's symbols and patterns are read once
(`LocaleFormat`) and amounts are formatted from them directly; dates and clock times
repeat within a month and are memoised.

The texts live beside the templates, one file per language as mail templates are
(`templates/invoice/labels.<language>.toml`: `[document]` for the documents, `[mail]`
for the mail `invoice send` writes); a language without a file gets English. Each file
is read once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from supportctl.domain.money import minor_digits

# --- locale formatting -----------------------------------------------------------


@dataclass(frozen=True)
class _MoneyPattern:
    pos_prefix: str
    pos_suffix: str
    neg_prefix: str
    neg_suffix: str
    decimal: str
    group: str
    digits: int


class LocaleFormat:
    """Formatting for one locale, with babel consulted once per pattern, not per value."""

    def __init__(self, locale: str) -> None:
        from babel import Locale

        self.locale = locale
        self._loc = Locale.parse(locale)
        symbols = self._loc.number_symbols["latn"]
        self.decimal_symbol: str = symbols["decimal"]
        self.group_symbol: str = symbols["group"]
        self._money: dict[str, _MoneyPattern] = {}

    def _money_pattern(self, currency: str) -> _MoneyPattern:
        pattern = self._money.get(currency)
        if pattern is None:
            from babel.numbers import get_currency_symbol

            number_pattern = self._loc.currency_formats["standard"]
            symbol = get_currency_symbol(currency, self._loc)
            pos_prefix, neg_prefix = (p.replace("¤", symbol) for p in number_pattern.prefix)
            pos_suffix, neg_suffix = (s.replace("¤", symbol) for s in number_pattern.suffix)
            pattern = _MoneyPattern(
                pos_prefix,
                pos_suffix,
                neg_prefix,
                neg_suffix,
                self.decimal_symbol,
                self.group_symbol,
                minor_digits(currency),
            )
            self._money[currency] = pattern
        return pattern

    def grouped(self, whole: int) -> str:
        return f"{whole:,}".replace(",", self.group_symbol)

    def money(self, amount_minor: int, currency: str) -> str:
        """1234.56 EUR -> '1 234,56 €' (fi_FI), '€1,234.56' (en)."""
        p = self._money_pattern(currency)
        value = abs(amount_minor)
        if p.digits:
            whole, frac = divmod(value, 10**p.digits)
            text = f"{self.grouped(whole)}{p.decimal}{frac:0{p.digits}d}"
        else:
            text = self.grouped(value)
        if amount_minor < 0:
            return f"{p.neg_prefix}{text}{p.neg_suffix}"
        return f"{p.pos_prefix}{text}{p.pos_suffix}"

    def amount(self, amount_minor: int, currency: str) -> str:
        """The number alone, without the currency symbol: '1 234,56'."""
        digits = minor_digits(currency)
        sign = "-" if amount_minor < 0 else ""
        whole, frac = divmod(abs(amount_minor), 10**digits)
        if not digits:
            return sign + self.grouped(whole)
        return f"{sign}{self.grouped(whole)}{self.decimal_symbol}{frac:0{digits}d}"

    def date(self, day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = day.date()
        return _format_date(self.locale, day)

    def time(self, moment: datetime) -> str:
        return _format_time(self.locale, moment.hour, moment.minute)

    def minutes(self, minutes: int) -> str:
        return f"{self.grouped(minutes)} min"

    def percent(self, value: Decimal) -> str:
        return _format_percent(self.locale, str(value))


@lru_cache(maxsize=4096)
def _format_date(locale: str, day: date) -> str:
    from babel.dates import format_date

    return str(format_date(day, "medium", locale=locale))


@lru_cache(maxsize=8192)
def _format_time(locale: str, hour: int, minute: int) -> str:
    from datetime import time

    from babel.dates import format_time

    return str(format_time(time(hour, minute), "short", locale=locale))


@lru_cache(maxsize=256)
def _format_percent(locale: str, value: str) -> str:
    from babel.numbers import format_decimal

    number = str(format_decimal(Decimal(value), locale=locale))
    return f"{number} %" if not locale.startswith("en") else f"{number}%"


@lru_cache(maxsize=16)
def locale_format(locale: str) -> LocaleFormat:
    return LocaleFormat(locale)


# --- texts ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _texts(language: str) -> dict[str, dict[str, str]]:
    """The texts of one language (English when supportctl ships none for it)."""
    import tomllib

    from supportctl.render.templates import packaged_templates_dir

    path = packaged_templates_dir() / "invoice" / f"labels.{language}.toml"
    if language != "en" and not path.is_file():
        return _texts("en")
    with path.open("rb") as handle:
        data: dict[str, dict[str, str]] = tomllib.load(handle)
    return data


def labels_for(locale: str) -> dict[str, str]:
    """The document labels (`t` in the templates) for a locale's language."""
    return _texts(locale.split("_")[0].lower())["document"]


def mail_texts(locale: str) -> dict[str, str]:
    """The subject and body patterns of the mail carrying an invoice."""
    return _texts(locale.split("_")[0].lower())["mail"]
