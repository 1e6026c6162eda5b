"""TOML configuration: the documented defaults, then the file.

The schema (key specs with defaults, descriptions and validators) lives in
`config_spec`; this module holds the loaded values and the loader, which keeps the
validated values of an unchanged file in a cache. Secrets are never read from the file itself: only `password_command` (run without a
shell) or `password_env` (the name of an environment variable), or the keyring extra.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from supportctl.errors import ConfigError
from supportctl.paths import APP_NAME, default_config_path, default_data_dir, default_db_path

__all__ = ["default_config_path", "default_data_dir", "default_db_path"]


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ImapConfig(NamedTuple):
    name: str
    host: str
    port: int
    tls: str
    user: str
    password_command: str | None
    password_env: str | None
    folders: list[str]
    archive_folder: str | None
    authserv_id: str | None
    ca_file: str | None
    batch_bytes: int
    poll_seconds: int = 60


class SmtpConfig(NamedTuple):
    host: str
    port: int
    tls: str
    user: str | None
    password_command: str | None
    password_env: str | None
    from_addr: str
    acknowledge: bool
    notify_delegate: bool = False
    ca_file: str | None = None


class BankAccount(NamedTuple):
    """The agency's account for one currency (`[bank.EUR]`), validated at load."""

    currency: str
    iban: str  # compact, upper case
    bic: str
    bank_name: str = ""
    account: str = ""  # the Czech domestic form, e.g. 19-2000145399/0800
    constant_symbol: str = ""  # Czech konstantní symbol, printed and put in the QR code


class AgencyConfig(NamedTuple):
    name: str = "Our Agency"
    address: str = ""
    vat_id: str = ""
    company_id: str = ""
    reference: str = "fi"
    supply_date: str = "month-end"
    payment_terms_days: int = 14
    timezone: str = "Europe/Helsinki"
    country: str = "FI"
    business_hours: str = "09:00-17:00"
    business_days: list[str] = ["mon", "tue", "wed", "thu", "fri"]  # noqa: RUF012 - never mutated
    ticket_tag_prefix: str = ""
    invoice_number_format: str = "{year}-{seq:04d}"
    currency: str = "EUR"
    vat: str = "25.5"
    rate: str = "60.00"
    support_address: str = "support@agency.example"
    mail_domain: str = "agency.example"
    auto_close_business_days: int = 5
    authserv_id: str = ""  # trusted for mail read from files (IMAP accounts have their own)


class AlertsConfig(NamedTuple):
    mail: bool = False
    command: list[str] | None = None
    timeout_seconds: int = 30

    @property
    def channels(self) -> list[str]:
        return [c for c, on in (("mail", self.mail), ("command", bool(self.command))) if on]


class DatabaseConfig(NamedTuple):
    url: str | None = None
    password_command: str | None = None
    password_env: str | None = None


class Config(NamedTuple):
    path: Path
    agency: AgencyConfig = AgencyConfig()
    imap: list[ImapConfig] = []  # noqa: RUF012 - never mutated
    smtp: SmtpConfig | None = None
    user: str | None = None
    exists: bool = False
    database: DatabaseConfig = DatabaseConfig()
    alerts: AlertsConfig = AlertsConfig()
    banks: dict[str, BankAccount] = {}  # noqa: RUF012 - never mutated; by currency

    @property
    def config_dir(self) -> Path:
        return self.path.parent

    @property
    def business_day_numbers(self) -> frozenset[int]:
        return frozenset(DAY_NAMES.index(d) for d in self.agency.business_days)

    @property
    def our_addresses(self) -> frozenset[str]:
        addrs = {self.agency.support_address.lower()}
        if self.smtp is not None:
            addrs.add(self.smtp.from_addr.lower())
        for account in self.imap:
            if "@" in account.user:
                addrs.add(account.user.lower())
        return frozenset(addrs)


def load_config(path: Path, *, required: bool = False) -> Config:
    """Read and validate the config file; a missing file gives the documented defaults.

    Every command reads the config, and parsing TOML and validating it (time zone,
    decimals, addresses) costs a tenth of a short command's run. So the validated
    values are kept in a cache file beside the config (`.config.toml.cache`), used
    only while the file's modification time, size and inode are unchanged.

    A config path given explicitly (`required`) must exist: falling back to the
    defaults would silently drop its settings.
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        if required:
            raise ConfigError(
                f"no config file at {path}",
                hint="fix --config or SUPPORTCTL_CONFIG, or run `supportctl init` to create it",
            ) from None
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    signature = _cache_signature(path, stat)
    cached = _read_cache(path, signature)
    if cached is not None:
        return cached
    from supportctl.config_spec import read_values

    values = read_values(path)
    config = _from_values(path, values)
    _write_cache(path, signature, values)
    return config


# The validated values, cached: marshal (built in, no import cost) of plain dicts.
_CACHE_FORMAT = 1


def _cache_file(path: Path) -> Path:
    return path.with_name(f".{path.name}.cache")


def _cache_signature(path: Path, stat: os.stat_result) -> tuple[Any, ...]:
    from supportctl import __version__

    return (
        _CACHE_FORMAT,
        __version__,
        (
            AgencyConfig._fields,
            ImapConfig._fields,
            SmtpConfig._fields,
            BankAccount._fields,
            DatabaseConfig._fields,
            AlertsConfig._fields,
        ),
        str(path.absolute()),
        stat.st_mtime_ns,
        stat.st_ctime_ns,
        stat.st_size,
        stat.st_ino,
    )


def _read_cache(path: Path, signature: tuple[Any, ...]) -> Config | None:
    import marshal

    try:
        data = _cache_file(path).read_bytes()
        stored, values = marshal.loads(data)
        if stored != signature:
            return None
        return _from_values(path, values)
    except Exception:  # any unreadable, damaged or stale cache is simply rebuilt
        return None


def _write_cache(path: Path, signature: tuple[Any, ...], values: dict[str, Any]) -> None:
    import marshal

    target = _cache_file(path)
    temp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        data = marshal.dumps((signature, values))
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temp, target)
    except (OSError, ValueError):  # a read-only directory, say: work on without a cache
        from contextlib import suppress

        with suppress(OSError):
            temp.unlink(missing_ok=True)


def _from_values(path: Path, values: dict[str, Any]) -> Config:
    smtp = values["smtp"]
    return Config(
        path=path,
        agency=AgencyConfig(**values["agency"]),
        imap=[ImapConfig(**account) for account in values["imap"]],
        smtp=None if smtp is None else SmtpConfig(**smtp),
        user=values["user"],
        exists=True,
        database=DatabaseConfig(**(values.get("database") or {})),
        banks={cur: BankAccount(**acc) for cur, acc in values.get("bank", {}).items()},
        alerts=AlertsConfig(**values.get("alerts", {})),
    )


def resolve_secret(what: str, password_command: str | None, password_env: str | None) -> str:
    """Return a password from the environment variable or command named in the config."""
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise ConfigError(f"{what}: environment variable {password_env} is not set")
        return value
    if password_command:
        return _run_password_command(what, password_command)
    try:
        import keyring  # type: ignore[import-not-found]
    except ImportError:
        raise ConfigError(
            f"{what}: no password_command or password_env is set",
            hint="set one of them, or install the keyring extra: pip install 'supportctl[keyring]'",
        ) from None
    value = keyring.get_password(APP_NAME, what)
    if value is None:
        raise ConfigError(f"{what}: no password in the system keyring for service '{APP_NAME}'")
    return str(value)


def _run_password_command(what: str, command: str) -> str:
    """The first line of `command`'s output (run without a shell), or one clear error."""
    import shlex
    import subprocess

    try:
        argv = shlex.split(command)
    except ValueError as exc:  # an unbalanced quote
        raise ConfigError(f"{what}: password_command cannot be read: {exc}") from None
    if not argv:
        raise ConfigError(f"{what}: password_command is empty")
    try:
        done = subprocess.run(argv, capture_output=True, timeout=30, check=False)
    except FileNotFoundError:
        raise ConfigError(f"{what}: password_command: no such program '{argv[0]}'") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{what}: password_command did not finish within 30 s") from None
    except OSError as exc:
        raise ConfigError(
            f"{what}: password_command '{argv[0]}' cannot run: {exc.strerror}"
        ) from None
    if done.returncode != 0:
        first = next(
            (line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()),
            "",
        )
        said = f": {first.strip()}" if first else " (nothing on stderr)"
        raise ConfigError(f"{what}: password_command failed with exit code {done.returncode}{said}")
    try:
        return done.stdout.decode("utf-8").rstrip("\n")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{what}: password_command printed something that is not UTF-8 text"
        ) from None
