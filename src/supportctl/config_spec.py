"""The config file's schema: one table of key specs per section, each key with a
default, a description and a validator. Loading a changed config file (its values are
cached, see `config.load_config`), `init` and the documented sample in docs/ all read
these tables, so they cannot drift. Kept apart from config.py: a command whose config
is unchanged never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from supportctl.config import DAY_NAMES
from supportctl.errors import ConfigError

# --- validators -------------------------------------------------------------------

Validator = Callable[[Any], Any]


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a string")
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _nonempty(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a non-empty string")
    return value.strip()


def _int_range(lo: int, hi: int) -> Validator:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"an integer from {lo} to {hi}")
        return value

    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _choice(*choices: str) -> Validator:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError("one of " + ", ".join(repr(c) for c in choices))
        return str(value)

    return check


def _timezone(value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(_str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone such as 'Europe/Helsinki'") from None
    return str(value)


def _country(value: Any) -> str:
    # Plain string tests rather than regexes: every command loads the config, and
    # compiling a pattern costs more than the whole check.
    if (
        not isinstance(value, str)
        or len(value) != 2
        or not (value.isascii() and value.isalpha() and value.isupper())
    ):
        raise ValueError("a two-letter country code such as 'FI' or 'CZ'")
    return value


def _currency(value: Any) -> str:
    if (
        not isinstance(value, str)
        or len(value) != 3
        or not (value.isascii() and value.isalpha() and value.isupper())
    ):
        raise ValueError("a three-letter currency code such as 'EUR' or 'CZK'")
    return value


def _decimal_str(value: Any) -> str:
    from decimal import Decimal, InvalidOperation

    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    if text is None:
        raise ValueError('a decimal number written as a string, e.g. "25.5"')
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError('a decimal number, e.g. "25.5"') from None
    if number < 0 or number > 100:
        raise ValueError("a percentage from 0 to 100")
    return text


def _is_clock(text: str, *, last: int) -> bool:
    hh, sep, mm = text.partition(":")
    if not (sep and len(hh) == 2 and len(mm) == 2 and (hh + mm).isascii() and (hh + mm).isdigit()):
        return False
    return int(hh) <= last and int(mm) <= 59 and (int(hh) < 24 or mm == "00")


def _is_hours(value: str) -> bool:
    start, sep, end = value.partition("-")
    return bool(sep) and _is_clock(start, last=23) and _is_clock(end, last=24)


def _hours(value: Any) -> str:
    if not isinstance(value, str) or not _is_hours(value):
        raise ValueError("business hours as 'HH:MM-HH:MM', e.g. '09:00-17:00'")
    start, end = value.split("-")
    if start >= end:
        raise ValueError("business hours whose end is after their start")
    return value


def _days(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or any(d not in DAY_NAMES for d in value):
        raise ValueError("a list of day names from " + ", ".join(DAY_NAMES))
    return [str(d) for d in value]


def _number_format(value: Any) -> str:
    text = _str(value)
    try:
        text.format(year=2026, seq=1)
    except (KeyError, IndexError, ValueError):
        raise ValueError("a format using only {year} and {seq}, e.g. '{year}-{seq:04d}'") from None
    return text


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or any(not isinstance(v, str) for v in value):
        raise ValueError("a non-empty list of strings")
    return list(value)


def _email(value: Any) -> str:
    """An e-mail address by the one rule (`domain.address`), kept as written."""
    from supportctl.domain.address import is_address

    if not isinstance(value, str) or not is_address(value):
        raise ValueError("an e-mail address")
    return value


def _opt_email(value: Any) -> str | None:
    return None if value is None else _email(value)


def _tls(value: Any) -> str:
    return _choice("implicit", "starttls", "none")(value)


class Key(NamedTuple):
    name: str
    default: Any
    validate: Validator
    doc: str
    example: Any = None  # shown in the sample config when the default is None


AGENCY_SPEC: tuple[Key, ...] = (
    Key("name", "Our Agency", _nonempty, "The agency's name, printed on invoices."),
    Key("address", "", _str, "Postal address, printed on invoices (newlines allowed)."),
    Key("vat_id", "", _str, "The agency's VAT ID, printed on invoices."),
    Key(
        "company_id",
        "",
        _str,
        "Business ID printed on invoices (Y-tunnus, IČO), if any.",
    ),
    Key(
        "reference",
        "fi",
        _choice("fi", "rf"),
        "Payment reference on invoices: 'fi' (Finnish viitenumero) or 'rf' (ISO 11649).",
    ),
    Key(
        "supply_date",
        "month-end",
        _choice("month-end", "issue-date"),
        "Date of taxable supply (DUZP) on Czech invoices: last day of the month billed, or the issue date.",
    ),
    Key(
        "payment_terms_days", 14, _int_range(0, 365), "Days from the invoice date to the due date."
    ),
    Key("timezone", "Europe/Helsinki", _timezone, "Time zone for business hours and display."),
    Key("country", "FI", _country, "Country whose public holidays close the desk (FI, CZ, ...)."),
    Key("business_hours", "09:00-17:00", _hours, "Business hours on business days."),
    Key("business_days", ["mon", "tue", "wed", "thu", "fri"], _days, "Business days of the week."),
    Key(
        "ticket_tag_prefix",
        "",
        _str,
        "Optional prefix in subject tags: '[PREFIX #123]'; empty gives '[#123]'.",
    ),
    Key(
        "invoice_number_format",
        "{year}-{seq:04d}",
        _number_format,
        "Invoice numbers; {year} and {seq} (per-year sequence).",
    ),
    Key("currency", "EUR", _currency, "Default currency for new customers."),
    Key("vat", "25.5", _decimal_str, "Default VAT percentage for new customers, as a string."),
    Key("rate", "60.00", _nonempty, "Default hourly rate for new customers, as a string."),
    Key(
        "support_address",
        "support@agency.example",
        _email,
        "The support mailbox address; mail from it is ours.",
    ),
    Key(
        "mail_domain",
        "agency.example",
        _nonempty,
        "Domain of our own Message-IDs; mail bearing them is ours coming back.",
    ),
    Key(
        "auto_close_business_days",
        5,
        _int_range(1, 365),
        "Resolved tickets close after this many business days without a reply.",
    ),
    Key(
        "authserv_id",
        "",
        _str,
        "For mail read from files (fetch --source): the receiving server whose "
        "Authentication-Results count, as an [[imap]] account's authserv_id does.",
    ),
)

IMAP_SPEC: tuple[Key, ...] = (
    Key(
        "name",
        None,
        _nonempty,
        "A short name for the account, used in messages and sync state.",
        "support",
    ),
    Key("host", None, _nonempty, "IMAP server host name.", "imap.agency.example"),
    Key("port", None, _int_range(1, 65535), "Port; default 993 for implicit TLS, else 143.", 993),
    Key("tls", "implicit", _tls, "'implicit' (IMAPS), 'starttls', or 'none' (loopback only)."),
    Key("user", None, _nonempty, "Login name.", "support@agency.example"),
    Key(
        "password_command",
        None,
        _opt_str,
        "Command printing the password (run without a shell).",
        "pass show agency/imap",
    ),
    Key(
        "password_env",
        None,
        _opt_str,
        "Environment variable holding the password.",
        "SUPPORT_IMAP_PASSWORD",
    ),
    Key("folders", ["INBOX"], _str_list, "Folders to sync."),
    Key(
        "archive_folder",
        None,
        _opt_str,
        "Move mail here after it is safely stored (optional).",
        "Archive",
    ),
    Key(
        "authserv_id",
        None,
        _opt_str,
        "Trust only Authentication-Results added by this server id.",
        "mx.agency.example",
    ),
    Key(
        "ca_file",
        None,
        _opt_str,
        "CA bundle for a private certificate (optional).",
        "/etc/ssl/private-ca.pem",
    ),
    Key(
        "batch_bytes",
        8_000_000,
        _int_range(100_000, 1_000_000_000),
        "Upper bound of one FETCH batch in bytes (RFC822.SIZE).",
    ),
    Key(
        "poll_seconds",
        60,
        _int_range(5, 86_400),
        "`watch` polls this often when the server offers no IMAP IDLE.",
    ),
)

SMTP_SPEC: tuple[Key, ...] = (
    Key("host", None, _nonempty, "SMTP server host name.", "smtp.agency.example"),
    Key(
        "port",
        None,
        _int_range(1, 65535),
        "Port; default 465 for implicit TLS, 587 for STARTTLS, else 25.",
        587,
    ),
    Key("tls", "starttls", _tls, "'implicit', 'starttls', or 'none' (loopback only)."),
    Key("user", None, _opt_str, "Login name (optional).", "support@agency.example"),
    Key(
        "password_command",
        None,
        _opt_str,
        "Command printing the password (run without a shell).",
        "pass show agency/smtp",
    ),
    Key(
        "password_env",
        None,
        _opt_str,
        "Environment variable holding the password.",
        "SUPPORT_SMTP_PASSWORD",
    ),
    Key(
        "from",
        None,
        _opt_email,
        "From address of our mail; defaults to agency.support_address.",
        "support@agency.example",
    ),
    Key(
        "ca_file",
        None,
        _opt_str,
        "CA bundle for a private certificate (optional).",
        "/etc/ssl/private-ca.pem",
    ),
    Key("acknowledge", False, _bool, "Acknowledge new tickets by mail."),
    Key(
        "notify_delegate",
        False,
        _bool,
        "Mail the colleague a task is delegated to (as if `delegate --notify` were given).",
    ),
)

DATABASE_SPEC: tuple[Key, ...] = (
    Key(
        "url",
        None,
        _opt_str,
        "The database: a file path, or a PostgreSQL URL / libpq service "
        "(SUPPORTCTL_DB and --db win over it).",
        "postgresql://alice@desk.agency.example/support?sslmode=verify-full",
    ),
    Key(
        "password_command",
        None,
        _opt_str,
        "Command printing the PostgreSQL password (else PGPASSFILE / PGPASSWORD).",
        "pass show agency/desk-db",
    ),
    Key(
        "password_env",
        None,
        _opt_str,
        "Environment variable holding the PostgreSQL password.",
        "SUPPORT_DB_PASSWORD",
    ),
)


def _iban(value: Any) -> str:
    from supportctl.domain.payment import compact, iban_error

    problem = iban_error(_str(value))
    if problem is not None:
        raise ValueError(problem)
    return compact(value)


def _bic(value: Any) -> str:
    from supportctl.domain.payment import is_bic

    if not is_bic(_str(value)):
        raise ValueError("a BIC of 8 or 11 characters, e.g. 'NDEAFIHH'")
    return str(value).strip().upper()


def _symbol(value: Any) -> str:
    text = _str(value).strip()
    if text and not (text.isascii() and text.isdigit() and len(text) <= 10):
        raise ValueError("at most ten digits")
    return text


BANK_SPEC: tuple[Key, ...] = (
    Key("iban", None, _iban, "The account's IBAN (checked by mod 97).", "FI21 1234 5600 0007 85"),
    Key("bic", None, _bic, "The bank's BIC (SWIFT code).", "NDEAFIHH"),
    Key("bank_name", "", _str, "The bank's name, printed on invoices."),
    Key(
        "account",
        "",
        _str,
        "For CZK: the Czech account form, e.g. '19-2000145399/0800' (must match the IBAN).",
    ),
    Key(
        "constant_symbol",
        "",
        _symbol,
        "For CZK: konstantní symbol printed and put in the QR code (optional).",
    ),
)


def _banks(path: Path, raw: Any) -> dict[str, dict[str, Any]]:
    from supportctl.domain.payment import same_czech_account

    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [bank] must be tables per currency, e.g. [bank.EUR]")
    banks: dict[str, dict[str, Any]] = {}
    for currency, table in raw.items():
        try:
            _currency(currency)
        except ValueError as exc:
            raise ConfigError(f"{path}: [bank.{currency}] must be named by {exc}") from None
        values = _section(path, f"bank.{currency}", table, BANK_SPEC)
        if values["account"] and not same_czech_account(values["account"], values["iban"]):
            raise ConfigError(
                f"{path}: [bank.{currency}] key 'account' ({values['account']}) "
                f"is not the account of the IBAN {values['iban']}"
            )
        banks[currency] = {"currency": currency, **values}
    return banks


def _argv(value: Any) -> list[str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not value
        or any(not isinstance(v, str) or not v for v in value)
    ):
        raise ValueError('a list of program and arguments, e.g. ["/usr/local/bin/page-duty"]')
    return list(value)


ALERTS_SPEC: tuple[Key, ...] = (
    Key("mail", False, _bool, "Mail the ticket's owner (else the duty person) an alert."),
    Key(
        "command",
        None,
        _argv,
        "Program run per alert with the ticket as JSON on stdin (argv list, no shell).",
        ["/usr/local/bin/supportctl-ntfy"],
    ),
    Key("timeout_seconds", 30, _int_range(1, 600), "Time limit of one alert command run."),
)


TOP_SPEC: tuple[Key, ...] = (
    Key(
        "user",
        None,
        _opt_str,
        "Your handle: the acting person when --as and SUPPORTCTL_USER are not given.",
        "alice",
    ),
)


def _section(path: Path, section: str, raw: Any, spec: tuple[Key, ...]) -> dict[str, Any]:
    where = f"{path}: [{section}]" if section else f"{path}:"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    known = {k.name for k in spec}
    for key in raw:
        if key == "password":
            raise ConfigError(
                f"{where} key 'password' is not allowed: secrets never live in the config file",
                hint='use password_command = "pass show ..." or password_env = "VARIABLE"',
            )
        if key not in known:
            raise ConfigError(f"{where} unknown key '{key}'; allowed: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for key in spec:
        if key.name in raw:
            try:
                values[key.name] = key.validate(raw[key.name])
            except ValueError as exc:
                raise ConfigError(
                    f"{where} key '{key.name}' must be {exc}; found {raw[key.name]!r}"
                ) from None
        elif key.default is None and key.validate not in (_opt_str, _opt_email, _argv):
            if section in ("imap", "smtp") and key.name == "port":
                continue
            raise ConfigError(f"{where} key '{key.name}' is required ({key.doc})")
        else:
            values[key.name] = key.default
    return values


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_values(path: Path) -> dict[str, Any]:
    """The file's validated values as plain dicts (what `_from_values` builds from)."""
    import tomllib

    try:
        with path.open("rb") as fh:
            data = fh.read()
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line})",
            hint="save the file as UTF-8",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    allowed = {"agency", "alerts", "bank", "database", "imap", "smtp", "user"}
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"{path}: unknown key '{key}'; allowed: {', '.join(sorted(allowed))}")
    top = _section(path, "", {k: v for k, v in raw.items() if k == "user"}, TOP_SPEC)
    agency_raw = raw.get("agency", {})
    if isinstance(agency_raw, dict) and "bank" in agency_raw:
        raise ConfigError(
            f"{path}: [agency] key 'bank' (one free-text line) is replaced by one table per currency",
            hint='write [bank.EUR] with iban = "FI21 1234 5600 0007 85" and bic = "NDEAFIHH" '
            "(see docs/config.sample.toml)",
        )
    agency = _section(path, "agency", agency_raw, AGENCY_SPEC)
    banks = _banks(path, raw.get("bank", {}))
    imap_raw = raw.get("imap", [])
    if not isinstance(imap_raw, list):
        raise ConfigError(
            f"{path}: [[imap]] must be an array of tables (write [[imap]], not [imap])"
        )
    accounts: list[dict[str, Any]] = []
    for item in imap_raw:
        values = _section(path, "imap", item, IMAP_SPEC)
        if values.get("port") is None:
            values["port"] = 993 if values["tls"] == "implicit" else 143
        if values["tls"] == "none" and not _is_loopback(values["host"]):
            raise ConfigError(
                f"{path}: [imap] '{values['name']}': tls = \"none\" is only allowed towards a loopback address"
            )
        if any(a["name"] == values["name"] for a in accounts):
            raise ConfigError(f"{path}: [[imap]] name '{values['name']}' is used twice")
        accounts.append(values)
    smtp: dict[str, Any] | None = None
    if "smtp" in raw:
        values = _section(path, "smtp", raw["smtp"], SMTP_SPEC)
        if values.get("port") is None:
            values["port"] = {"implicit": 465, "starttls": 587}.get(values["tls"], 25)
        if values["tls"] == "none" and not _is_loopback(values["host"]):
            raise ConfigError(
                f'{path}: [smtp] tls = "none" is only allowed towards a loopback address'
            )
        values["from_addr"] = values.pop("from") or agency["support_address"]
        smtp = values
    database = None
    if "database" in raw:
        database = _section(path, "database", raw["database"], DATABASE_SPEC)
        url = database["url"] or ""
        if _url_has_password(url):
            raise ConfigError(
                f"{path}: [database] url holds a password: secrets never live in the config file",
                hint="use PGPASSFILE, password_command or password_env",
            )
    alerts = _section(path, "alerts", raw.get("alerts", {}), ALERTS_SPEC)
    return {
        "user": top.get("user"),
        "agency": agency,
        "bank": banks,
        "imap": accounts,
        "smtp": smtp,
        "database": database,
        "alerts": alerts,
    }


def _url_has_password(url: str) -> bool:
    """A password in a PostgreSQL URL (user:secret@) or keyword string (password=)."""
    import re

    return bool(
        re.match(r"^postgres(?:ql)?://[^/@]*:[^/@]*@", url)
        or re.search(r"(?:^|[\s?&])password\s*=", url)
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value)
    if "\n" in text:
        return '"""\n' + text + '"""'
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_config(
    agency: dict[str, Any] | None = None,
    *,
    full: bool = False,
    user: str | None = None,
    banks: dict[str, dict[str, Any]] | None = None,
) -> str:
    """The config file `init` writes (full=False) or the documented sample (full=True)."""
    agency = agency or {}
    lines = [
        "# supportctl configuration. Every key is documented in docs/config.sample.toml.",
        "",
    ]
    if full:
        lines += [f"# {TOP_SPEC[0].doc}", f"user = {_toml_value(TOP_SPEC[0].example)}", ""]
    elif user:
        lines += [f"user = {_toml_value(user)}", ""]
    lines.append("[agency]")
    for key in AGENCY_SPEC:
        value = agency.get(key.name, key.default)
        lines.append(f"# {key.doc}")
        lines.append(f"{key.name} = {_toml_value(value)}")
    lines.append("")
    for currency, bank in (banks or {}).items():
        lines.append(f"[bank.{currency}]")
        for key in BANK_SPEC:
            if key.name in bank:
                lines.append(f"{key.name} = {_toml_value(bank[key.name])}")
        lines.append("")
    if full or not banks:
        prefix = "" if full else "# "
        lines.append(
            f"{prefix}# The agency's bank account for invoices in one currency; one table per"
        )
        lines.append(f"{prefix}# currency. An invoice in a currency without one cannot be issued.")
        lines.append(f"{prefix}[bank.EUR]")
        for key in BANK_SPEC:
            value = key.example if key.default is None else key.default
            lines.append(f"{prefix}# {key.doc}")
            lines.append(f"{prefix}{key.name} = {_toml_value(value)}")
        lines.append("")
    prefix = "" if full else "# "
    lines.append(f"{prefix}# One [[imap]] table per mailbox to pull support mail from.")
    lines.append(f"{prefix}[[imap]]")
    for key in IMAP_SPEC:
        value = key.example if key.default is None else key.default
        lines.append(f"{prefix}# {key.doc}")
        lines.append(f"{prefix}{key.name} = {_toml_value(value)}")
    lines.append("")
    lines.append(f"{prefix}# Outgoing mail: replies, acknowledgements, notices.")
    lines.append(f"{prefix}[smtp]")
    for key in SMTP_SPEC:
        value = key.example if key.default is None else key.default
        lines.append(f"{prefix}# {key.doc}")
        lines.append(f"{prefix}{key.name} = {_toml_value(value)}")
    lines.append("")
    lines.append(f"{prefix}# Alerts to the owner of an urgent ticket (`supportctl watch`).")
    lines.append(f"{prefix}[alerts]")
    for key in ALERTS_SPEC:
        value = key.example if key.default is None else key.default
        lines.append(f"{prefix}# {key.doc}")
        lines.append(f"{prefix}{key.name} = {_toml_value(value)}")
    lines.append("")
    return "\n".join(lines)
