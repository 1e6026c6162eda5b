"""TLS to the IMAP server: implicit TLS and STARTTLS with a private CA (`ca_file`).

A second private Dovecot with a certificate for 127.0.0.1 (subjectAltName IP), made by
openssl in the test's temp dir. Without `ca_file` the self-signed certificate is not
trusted: one line naming the account, exit 6.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from supportctl.config import load_config
from supportctl.errors import MailError
from supportctl.services import importing
from supportctl.store.db import open_store
from tests.conftest import in_ci
from tests.integration.conftest import _free_port, _write_config

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tls_dovecot(dovecot) -> Iterator[tuple[int, int, Path]]:
    if shutil.which("openssl") is None:
        if in_ci():
            pytest.fail("openssl is needed for the TLS tests")
        pytest.skip("openssl is not installed")
    root = Path(tempfile.mkdtemp(prefix="supportctl-dovecot-tls-"))
    root.chmod(0o755)
    port, tls_port = _free_port(), _free_port()
    conf = _write_config(root, port)
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
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(root / "tls.key"),
            "-out",
            str(root / "tls.crt"),
        ],
        check=True,
        capture_output=True,
    )
    text = conf.read_text()
    text = text.replace(
        "ssl = no", f"ssl = yes\nssl_cert = <{root}/tls.crt\nssl_key = <{root}/tls.key"
    )
    text = text.replace(
        "inet_listener imaps {\n    port = 0\n  }",
        f"inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes\n  }}",
    )
    text = text.replace(
        f"instance_name = supportctl-test-{port}", f"instance_name = supportctl-tls-{port}"
    )
    conf.write_text(text)
    log = (root / "log" / "stdout.log").open("wb")
    proc = subprocess.Popen(
        ["dovecot", "-F", "-c", str(conf)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the TLS dovecot did not start")
        time.sleep(0.05)
    try:
        yield port, tls_port, root / "tls.crt"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _configure(
    root: Path, port: int, tls: str, ca_file: Path | None, host: str = "127.0.0.1"
) -> None:
    config = root / "config.toml"
    config.write_text(
        config.read_text().split("# # One [[imap]]")[0].split("\n[[imap]]")[0]
        + f'\n[[imap]]\nname = "secure"\nhost = "{host}"\nport = {port}\ntls = "{tls}"\n'
        + 'user = "support"\npassword_env = "TLS_IMAP_PASSWORD"\n'
        + (f'ca_file = "{ca_file}"\n' if ca_file else "")
    )


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_tls_with_private_ca(
    cli, initialized: Path, tls_dovecot, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    port, tls_port, cert = tls_dovecot
    monkeypatch.setenv("TLS_IMAP_PASSWORD", "secret")
    _configure(initialized, tls_port if mode == "implicit" else port, mode, cert)
    from imapclient import IMAPClient

    client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10)
    client.login("support", "secret")
    client.append(
        "INBOX",
        f"From: a@acme.fi\r\nSubject: {mode}\r\nMessage-ID: <{mode}@acme.fi>\r\n\r\nhei\r\n".encode(),
    )
    client.logout()
    store = open_store(initialized / "supportctl.db")
    try:
        report = importing.fetch_accounts(
            store, load_config(initialized / "config.toml"), now=datetime.now(UTC)
        )
        assert report.stored >= 1 and report.sources == ["secure"]
        assert mode in [r[0] for r in store.all("SELECT subject FROM messages")]
        _configure(initialized, tls_port if mode == "implicit" else port, mode, None)
        with pytest.raises(MailError) as failure:
            importing.fetch_accounts(
                store, load_config(initialized / "config.toml"), now=datetime.now(UTC)
            )
        assert "imap account 'secure'" in failure.value.message
        assert "certificate not trusted" in failure.value.message
    finally:
        store.close()
    assert "certificate not trusted" in cli.fails(6, "fetch").stderr


def test_certificate_errors_say_whether_the_chain_or_the_name_failed(
    cli, initialized: Path, tls_dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _port, tls_port, cert = tls_dovecot
    monkeypatch.setenv("TLS_IMAP_PASSWORD", "secret")
    _configure(initialized, tls_port, "implicit", None)
    chain = cli.fails(6, "fetch").stderr
    assert "the chain check failed" in chain and "hint: set ca_file" in chain
    # trusted CA, but the certificate is for 127.0.0.1, not for "localhost"
    _configure(initialized, tls_port, "implicit", cert, host="localhost")
    name = cli.fails(6, "fetch").stderr
    assert "the name check failed, it is not issued for 'localhost'" in name
    assert "chain" not in name
