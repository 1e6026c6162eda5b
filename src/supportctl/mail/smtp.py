"""Sending: the smtplib adapter, and a local outbox that writes .eml files instead.

Both transports take the exact bytes we store, so what the history shows is what left.
`SmtpTransport` connects (implicit TLS, STARTTLS, or plain towards loopback only, which
the config enforces), logs in when a user is configured with the password from
`config.resolve_secret`, and translates every smtplib/socket/ssl failure into a
one-line `MailError` (exit 6) naming the server. The connection is opened once and
reused, so `remind` mailing five owners costs one login. `OutboxTransport` is for the
demo and for trying things out: nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from supportctl.errors import MailError

if TYPE_CHECKING:
    from supportctl.config import SmtpConfig

TIMEOUT_SECONDS = 20


class Transport(Protocol):
    def open(self) -> None: ...

    def send(self, raw: bytes, *, sender: str, recipients: Sequence[str]) -> str:
        """Hand over the message; where it went. Refused recipients go to `refused`."""
        ...

    @property
    def refused(self) -> set[str]: ...

    def close(self) -> None: ...

    @property
    def where(self) -> str: ...


class SmtpTransport:
    """One SMTP session, opened on first use (or by `open`), closed by `close`."""

    def __init__(self, config: SmtpConfig, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.config = config
        self.timeout = timeout
        self._conn: Any = None
        self.refused: set[str] = set()

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _fail(self, doing: str, exc: BaseException) -> MailError:
        import smtplib
        import ssl

        if isinstance(exc, smtplib.SMTPAuthenticationError):
            reason = "authentication failed"
        elif isinstance(exc, smtplib.SMTPResponseException):
            text = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            reason = f"server said {exc.smtp_code} {' '.join(text.split())}"
        elif isinstance(exc, ssl.SSLCertVerificationError):
            from supportctl.mail.tls import certificate_problem

            what, hint = certificate_problem(exc, self.config.host)
            return MailError(f"SMTP server {self.where}: {what}", hint=hint)
        elif isinstance(exc, ssl.SSLError):
            reason = f"TLS failed ({exc.reason or exc.__class__.__name__})"
        elif isinstance(exc, OSError) and exc.strerror:
            reason = exc.strerror
        else:
            reason = str(exc) or exc.__class__.__name__
        return MailError(f"cannot {doing} SMTP server {self.where}: {reason}")

    def open(self) -> None:
        if self._conn is not None:
            return
        import smtplib

        cfg = self.config
        password = None
        if cfg.user:
            from supportctl.config import resolve_secret

            password = resolve_secret(
                f"smtp {cfg.user}@{cfg.host}", cfg.password_command, cfg.password_env
            )
        from supportctl.mail.tls import client_context

        context = client_context(cfg.ca_file) if cfg.tls != "none" else None
        try:
            if cfg.tls == "implicit":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=self.timeout, context=context
                )
            else:
                conn = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise self._fail("reach", exc) from None
        try:
            conn.ehlo()
            if cfg.tls == "starttls":
                if not conn.has_extn("starttls"):
                    raise MailError(
                        f"SMTP server {self.where} does not offer STARTTLS",
                        hint='use tls = "implicit" (port 465), or "none" towards a loopback relay',
                    )
                conn.starttls(context=context)
                conn.ehlo()
            if cfg.user and password is not None:
                _login(conn, cfg.user, password)
        except MailError:
            _quit(conn)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            _quit(conn)
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                raise MailError(
                    f"cannot log in to SMTP server {self.where} as {cfg.user}: authentication failed"
                ) from None
            raise self._fail("talk to", exc) from None
        self._conn = conn

    def send(self, raw: bytes, *, sender: str, recipients: Sequence[str]) -> str:
        import smtplib

        self.open()
        try:
            refused = self._conn.sendmail(sender, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            names = ", ".join(sorted(exc.recipients))
            raise MailError(f"SMTP server {self.where} refused every recipient: {names}") from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise self._fail("send through", exc) from None
        # Some recipients may be refused while others got it: the mail has left and is
        # recorded as sent, to those who got it.
        self.refused = {str(a) for a in refused}
        return self.where

    def close(self) -> None:
        if self._conn is not None:
            _quit(self._conn)
            self._conn = None


def _login(conn: Any, user: str, password: str) -> None:
    """AUTH with smtplib's choice of mechanism; PLAIN in UTF-8 for non-ASCII credentials.

    smtplib encodes credentials as ASCII and raises on anything else, while RFC 4616
    PLAIN carries UTF-8: a password with 'ä' must not be an internal error.
    """
    import smtplib

    if (user + password).isascii():
        conn.login(user, password)
        return
    import base64

    if "plain" not in conn.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPException("the server offers no AUTH PLAIN for a non-ASCII password")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, response = conn.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, response)


def _quit(conn: Any) -> None:
    import contextlib
    import smtplib

    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        with contextlib.suppress(OSError):
            conn.close()


class OutboxTransport:
    """Writes each message as `<n>-<message-id>.eml` into a directory; sends nothing."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.written: list[Path] = []
        self.refused: set[str] = set()

    @property
    def where(self) -> str:
        return str(self.directory)

    def open(self) -> None:
        from supportctl.files import private_dir

        private_dir(self.directory, "the outbox")

    def send(self, raw: bytes, *, sender: str, recipients: Sequence[str]) -> str:
        import re

        self.open()
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        found = re.search(r"(?im)^message-id:\s*<([^>]+)>", head)
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", found.group(1) if found else "message")[:80]
        number = len(list(self.directory.glob("*.eml"))) + 1
        path = self.directory / f"{number:04d}-{stem}.eml"
        envelope = f"X-Envelope-From: {sender}\r\nX-Envelope-To: {', '.join(recipients)}\r\n"
        from supportctl.files import write_file

        write_file(path, envelope.encode("ascii", "replace") + raw, what="outbox mail")
        self.written.append(path)
        return str(path)

    def close(self) -> None:
        return None
