"""A desk on a server reached over TLS with `sslmode=verify-full`, as the README shows it:
a private cluster that accepts TCP connections only over TLS, with a certificate for
`localhost` signed by a test CA made here with openssl.

The desk works when the URL names that CA; a certificate signed by someone else, a host
name the certificate does not name, a missing root certificate and a client that does
not ask for TLS each get one line naming the server and what to do, and nothing is
written."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import in_ci
from tests.pgcluster import Cluster, one_server_error_line, pg_bin


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _authority(folder: Path, name: str) -> None:
    """`name`.crt / `name`.key: a self-signed CA."""
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2",
        "-subj", f"/CN={name}",
        cwd=folder,
    )  # fmt: skip


def _server_pair(folder: Path, authority: str, names: str) -> tuple[Path, Path]:
    """A server certificate for `names` (subjectAltName) signed by `authority`."""
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
        cwd=folder,
    )  # fmt: skip
    (folder / "san.ext").write_text(f"subjectAltName={names}\n")
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", f"{authority}.crt",
        "-CAkey", f"{authority}.key", "-CAcreateserial", "-out", "server.crt",
        "-days", "2", "-extfile", "san.ext",
        cwd=folder,
    )  # fmt: skip
    return folder / "server.crt", folder / "server.key"


def client_pair(folder: Path, authority: str, user: str) -> tuple[Path, Path]:
    """A client certificate for `user` (its CN) signed by `authority`, and its key
    (readable by its owner only, as libpq demands)."""
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{user}.key", "-out", f"{user}.csr", "-subj", f"/CN={user}",
        cwd=folder,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", f"{user}.csr", "-CA", f"{authority}.crt",
        "-CAkey", f"{authority}.key", "-CAcreateserial", "-out", f"{user}.crt", "-days", "2",
        cwd=folder,
    )  # fmt: skip
    os.chmod(folder / f"{user}.key", 0o600)
    return folder / f"{user}.crt", folder / f"{user}.key"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, Path]]:
    """(a cluster serving TLS only, the folder holding `ca.crt` and `stranger.crt`)."""
    if pg_bin() is None or shutil.which("openssl") is None:
        if in_ci():
            pytest.fail("PostgreSQL and openssl must be installed (scripts/test installs them)")
        pytest.skip("PostgreSQL or openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    _authority(folder, "ca")
    _authority(folder, "stranger")
    cluster = Cluster(
        tls=_server_pair(folder, "ca", "DNS:localhost"), client_ca=folder / "ca.crt"
    ).start()
    try:
        cluster.psql('CREATE DATABASE "desk"')
        yield cluster, folder
    finally:
        cluster.stop()


@pytest.fixture
def tls_env(
    tls_server: tuple[Cluster, Path], monkeypatch: pytest.MonkeyPatch
) -> tuple[Cluster, Path]:
    cluster, _folder = tls_server
    monkeypatch.setenv("PGPASSFILE", str(cluster.passfile))
    # the password file names 127.0.0.1; the URL names the host the certificate names
    line = cluster.passfile.read_text().strip().replace("127.0.0.1:", "localhost:", 1)
    if line not in cluster.passfile.read_text():
        with cluster.passfile.open("a") as out:
            out.write(line + "\n")
    Path(os.environ["SUPPORTCTL_CONFIG"]).write_text("", encoding="utf-8")
    return tls_server


def _url(cluster: Cluster, host: str, query: str) -> str:
    return f"postgresql://{cluster.user}@{host}:{cluster.port}/desk?{query}"


def _tables(cluster: Cluster) -> str:
    return cluster.psql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", "desk"
    ).strip()


def test_verify_full_with_the_servers_ca_runs_the_desk(
    cli: Any, tls_env: tuple[Cluster, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster, folder = tls_env
    url = _url(cluster, "localhost", f"sslmode=verify-full&sslrootcert={folder / 'ca.crt'}")
    monkeypatch.setenv("SUPPORTCTL_DB", url)
    cli.ok("init", "--user", "alice")
    cli.ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "adhoc")
    cli.ok("ticket", "new", "Lomake ei toimi", "--customer", "acme", "--from", "m@acme.fi")
    assert "Lomake ei toimi" in cli.ok("inbox", "--no-fetch", "--json").stdout


def test_a_certificate_from_another_ca_is_refused_and_nothing_written(
    cli: Any, tls_env: tuple[Cluster, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster, folder = tls_env
    before = _tables(cluster)
    stranger = folder / "stranger.crt"
    monkeypatch.setenv(
        "SUPPORTCTL_DB", _url(cluster, "localhost", f"sslmode=verify-full&sslrootcert={stranger}")
    )
    result = cli.fails(7, "init", "--user", "alice")
    one_server_error_line(result, f"localhost:{cluster.port}/desk", "certificate", host="localhost")
    assert "sslrootcert" in result.stderr
    assert _tables(cluster) == before


def test_a_host_name_the_certificate_does_not_name_is_refused(
    cli: Any, tls_env: tuple[Cluster, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster, folder = tls_env
    monkeypatch.setenv(
        "SUPPORTCTL_DB",
        _url(cluster, "127.0.0.1", f"sslmode=verify-full&sslrootcert={folder / 'ca.crt'}"),
    )
    result = cli.fails(7, "inbox", "--no-fetch")
    one_server_error_line(result, f"127.0.0.1:{cluster.port}/desk", "certificate")


def test_a_missing_root_certificate_names_the_file_to_give(
    cli: Any, tls_env: tuple[Cluster, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cluster, _folder = tls_env
    missing = tmp_path / "root.crt"
    monkeypatch.setenv(
        "SUPPORTCTL_DB", _url(cluster, "localhost", f"sslmode=verify-full&sslrootcert={missing}")
    )
    result = cli.fails(3, "inbox", "--no-fetch")
    one_server_error_line(result, "root certificate", host="localhost")
    assert str(missing) in result.stderr


def test_a_client_that_does_not_ask_for_tls_is_turned_away(
    cli: Any, tls_env: tuple[Cluster, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster, _folder = tls_env
    monkeypatch.setenv("SUPPORTCTL_DB", _url(cluster, "localhost", "sslmode=disable"))
    result = cli.fails(3, "inbox", "--no-fetch")
    one_server_error_line(result, f"localhost:{cluster.port}/desk", host="localhost")
    assert "sslmode" in result.stderr


def test_a_url_that_requires_tls_of_a_server_without_it_says_so(
    cli: Any, pg_cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path(os.environ["SUPPORTCTL_CONFIG"]).write_text("", encoding="utf-8")
    monkeypatch.setenv("SUPPORTCTL_DB", pg_cluster.url("postgres") + "?sslmode=require")
    result = cli.fails(3, "inbox", "--no-fetch")
    one_server_error_line(result, "does not offer TLS")


def test_a_client_certificate_logs_in_without_a_password(
    cli: Any, tls_env: tuple[Cluster, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify-full with a client certificate instead of a password (pg_hba `cert`): no
    password anywhere, and connecting needs no SCRAM exchange (bench/tls_connect.py
    measures what that saves). Without the certificate the server refuses."""
    cluster, folder = tls_env
    cert, key = client_pair(folder, "ca", "desk_cert")
    cluster.psql(
        "DO $$ BEGIN CREATE ROLE desk_cert LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    cluster.psql('CREATE DATABASE "certdesk" OWNER desk_cert')
    cluster.allow_certificate_login("desk_cert", "certdesk")
    monkeypatch.setenv("PGPASSFILE", str(folder / "no-passfile"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    base = (
        f"postgresql://desk_cert@localhost:{cluster.port}/certdesk"
        f"?sslmode=verify-full&sslrootcert={folder / 'ca.crt'}"
    )
    monkeypatch.setenv("SUPPORTCTL_DB", f"{base}&sslcert={cert}&sslkey={key}")
    cli.ok("init", "--user", "alice")
    cli.ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "adhoc")
    cli.ok("ticket", "new", "Lomake ei toimi", "--customer", "acme", "--from", "m@acme.fi")
    assert "Lomake ei toimi" in cli.ok("inbox", "--no-fetch", "--json").stdout
    monkeypatch.setenv("SUPPORTCTL_DB", base)
    result = cli.fails(3, "inbox", "--no-fetch")
    one_server_error_line(
        result, f"localhost:{cluster.port}/certdesk", "client certificate", host="localhost"
    )
    assert "sslcert" in result.stderr
