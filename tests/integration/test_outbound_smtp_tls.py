"""SMTP with STARTTLS, implicit TLS and AUTH against aiosmtpd on 127.0.0.1.

A throw-away certificate for IP 127.0.0.1 is made with the openssl CLI and trusted
through SSL_CERT_FILE, so the client verifies the server exactly as in production
(no verification switched off).
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest

from tests.conftest import in_ci

pytestmark = [
    pytest.mark.integration,
    # With implicit TLS the whole session is encrypted, which aiosmtpd's check for
    # "AUTH only after STARTTLS" does not know about.
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

NOW = "2026-10-14T08:30:00Z"
MAIL = (
    b"From: Matti Virtanen <matti.virtanen@acme.fi>\n"
    b"To: support@agency.example\n"
    b"Subject: Salasana vanhentunut\n"
    b"Message-ID: <tls-1@acme.fi>\n"
    b"Date: Wed, 14 Oct 2026 10:55:00 +0300\n"
    b"\nHei, salasanani ei toimi.\n"
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):  # type: ignore[no-untyped-def]
    if shutil.which("openssl") is None:
        if in_ci():
            pytest.fail("openssl is needed for the TLS tests")
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Sink:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server(certificate, *, implicit: bool):  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    sink = Sink()

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        sink.logins.append((login, password))
        ok = (login, password) == ("support@agency.example", "s3cret-ääkköset")
        # handled=False: aiosmtpd answers 235/535 itself.
        return AuthResult(success=ok, handled=False)

    port = _free_port()
    kwargs = {"authenticator": authenticator, "auth_required": True}
    if implicit:
        controller = Controller(
            sink,
            hostname="127.0.0.1",
            port=port,
            ssl_context=context,
            auth_require_tls=False,
            **kwargs,
        )
    else:
        controller = Controller(
            sink,
            hostname="127.0.0.1",
            port=port,
            tls_context=context,
            require_starttls=True,
            **kwargs,
        )
    controller.start()
    return controller, sink, port


def _prepare(cli, workspace: Path, port: int, tls: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = workspace / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "{tls}"\n'
        'user = "support@agency.example"\npassword_env = "TEST_SMTP_PASSWORD"\n',
        encoding="utf-8",
    )
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme Oy",
        "--plan",
        "maintenance",
        "--domain",
        "acme.fi",
        "--locale",
        "fi_FI",
    )
    box = mailbox.mbox(str(tmp_path / "in.mbox"))
    box.add(MAIL)
    box.flush()
    box.close()
    cli.ok("fetch", "--source", f"mbox:{tmp_path / 'in.mbox'}")


@pytest.mark.parametrize(("tls", "implicit"), [("starttls", False), ("implicit", True)])
def test_smtp_tls_and_login_deliver_the_reply(
    cli, initialized, certificate, tmp_path, monkeypatch, tls, implicit
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret-ääkköset")
    controller, sink, port = _server(certificate, implicit=implicit)
    try:
        _prepare(cli, initialized, port, tls, tmp_path)
        cli.ok("reply", "1", "-m", "Hei, vaihdoimme salasanan.")
    finally:
        controller.stop()
    assert sink.logins == [("support@agency.example", "s3cret-ääkköset")]
    [(rcpt, raw)] = sink.received
    assert rcpt == ["matti.virtanen@acme.fi"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Re: [#1] Salasana vanhentunut"


def test_smtp_wrong_password_is_exit_6_and_nothing_recorded(
    cli, initialized, certificate, tmp_path, monkeypatch, snapshot
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "Pw-9z7q-bad")
    controller, sink, port = _server(certificate, implicit=False)
    try:
        _prepare(cli, initialized, port, "starttls", tmp_path)
        before = snapshot()
        result = cli.fails(6, "reply", "1", "-m", "Hei")
        assert snapshot() == before
    finally:
        controller.stop()
    assert result.stderr.startswith(
        f"error: cannot log in to SMTP server 127.0.0.1:{port} as support@agency.example: authentication failed"
    )
    assert "Pw-9z7q-bad" not in result.stderr
    assert sink.received == []


def test_smtp_untrusted_certificate_is_exit_6(
    cli, initialized, certificate, tmp_path, monkeypatch, snapshot
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret-ääkköset")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-certs"))
    controller, sink, port = _server(certificate, implicit=False)
    try:
        _prepare(cli, initialized, port, "starttls", tmp_path)
        before = snapshot()
        result = cli.fails(6, "reply", "1", "-m", "Hei")
        assert snapshot() == before
    finally:
        controller.stop()
    assert "certificate not trusted: the chain check failed" in result.stderr
    assert sink.received == [] and sink.logins == []


def _use_ca_file(workspace: Path, ca_file: Path, host: str | None = None) -> None:
    config = workspace / "config.toml"
    head, smtp = config.read_text(encoding="utf-8").split("\n[smtp]\n", 1)
    smtp = "\n".join(line for line in smtp.splitlines() if not line.startswith("ca_file"))
    smtp = smtp.replace('tls = "starttls"', f'tls = "starttls"\nca_file = "{ca_file}"')
    if host is not None:
        smtp = smtp.replace('host = "127.0.0.1"', f'host = "{host}"')
    text = head + "\n[smtp]\n" + smtp + "\n"
    config.write_text(text, encoding="utf-8")


def test_smtp_ca_file_trusts_a_private_ca_and_names_a_wrong_host(
    cli, initialized, certificate, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret-ääkköset")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-certs"))  # the system CAs: none
    controller, sink, port = _server(certificate, implicit=False)
    try:
        _prepare(cli, initialized, port, "starttls", tmp_path)
        _use_ca_file(initialized, certificate[0])
        cli.ok("reply", "1", "-m", "Hei, private CA.")
        assert len(sink.received) == 1
        _use_ca_file(initialized, certificate[0], host="localhost")
        result = cli.fails(6, "reply", "1", "-m", "Hei taas")
    finally:
        controller.stop()
    assert "the name check failed, it is not issued for 'localhost'" in result.stderr
    assert len(sink.received) == 1
