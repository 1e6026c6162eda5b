"""A private PostgreSQL cluster for the tests and benches: initdb in a temp dir,
listening only on 127.0.0.1 on a free port, stopped at the end.

PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres`
system user (Debian's package creates it). The superuser's password goes into a
PGPASSFILE, the way the README tells people to keep theirs.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

PG_BIN_CANDIDATES = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14, 13)]


def pg_bin() -> Path | None:
    for candidate in PG_BIN_CANDIDATES:
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One running cluster; `url(db)` names a database on it, `createdb` makes one."""

    def __init__(
        self,
        base: Path | None = None,
        *,
        tls: tuple[Path, Path] | None = None,
        client_ca: Path | None = None,
    ) -> None:
        """`tls`: (certificate, key) files; the cluster then serves TLS with them and
        refuses any connection over TCP without it (`hostssl` only). `client_ca`: the
        CA whose client certificates it accepts where pg_hba says `cert`
        (`allow_certificate_login`)."""
        binary = pg_bin()
        if binary is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = binary
        self.base = Path(base or tempfile.mkdtemp(prefix="supportctl-pg-"))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.port = _free_port()
        self.user = "desk_admin"
        self.password = secrets.token_hex(12)
        self.passfile = self.base / "pgpass"
        self._run_as: str | None = "postgres" if os.geteuid() == 0 else None
        self.tls = tls
        self.client_ca = client_ca

    def _cmd(self, *args: str) -> list[str]:
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *args]
        return list(args)

    def start(self) -> Cluster:
        self.sock.mkdir(parents=True, exist_ok=True)
        pwfile = self.base / "pw"
        pwfile.write_text(self.password + "\n")
        if self._run_as:
            owner = pwd.getpwnam(self._run_as)
            os.chmod(self.base, 0o755)
            for p in (self.base, self.sock, pwfile):
                os.chown(p, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            self._cmd(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        pwfile.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sock} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c log_min_messages=fatal"
        )
        if self.tls is not None:
            options += self._serve_tls(*self.tls)
        subprocess.run(
            self._cmd(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.base / "log"),
                "-w",
                "start",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.passfile.write_text(f"127.0.0.1:{self.port}:*:{self.user}:{self.password}\n")
        os.chmod(self.passfile, 0o600)
        return self

    def _serve_tls(self, cert: Path, key: Path) -> str:
        """Copy the pair into the data directory (the key readable by the server's user
        only, as PostgreSQL demands), allow TCP connections only over TLS; the options."""
        pairs = [(cert, "server.crt"), (key, "server.key")]
        if self.client_ca is not None:
            pairs.append((self.client_ca, "client_ca.crt"))
        for source, name in pairs:
            target = self.data / name
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
            if self._run_as:
                owner = pwd.getpwnam(self._run_as)
                os.chown(target, owner.pw_uid, owner.pw_gid)
        hba = self.data / "pg_hba.conf"
        lines = hba.read_text().splitlines()
        hba.write_text(
            "\n".join(
                "hostssl" + line[len("host") :] if line.startswith("host ") else line
                for line in lines
            )
            + "\n"
        )
        return " -c ssl=on" + (" -c ssl_ca_file=client_ca.crt" if self.client_ca else "")

    def allow_certificate_login(self, user: str, dbname: str) -> None:
        """Let `user` log in to `dbname` over TLS with a client certificate (its CN the
        user name, signed by `client_ca`) instead of a password."""
        hba = self.data / "pg_hba.conf"
        line = f"hostssl {dbname} {user} 127.0.0.1/32 cert\n"
        hba.write_text(line + hba.read_text())
        self.psql("SELECT pg_reload_conf()")

    def url(self, dbname: str, user: str | None = None) -> str:
        return f"postgresql://{user or self.user}@127.0.0.1:{self.port}/{dbname}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        done = subprocess.run(
            self._cmd(
                str(self.bin / "psql"),
                "-h",
                str(self.sock),
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                dbname,
                "-XAtq",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ),
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed: {done.stderr.strip()}")
        return done.stdout

    def createdb(self, name: str) -> str:
        """CREATE DATABASE copies template1, which PostgreSQL refuses while any other
        session is still attached to it (a backend that is only just exiting counts);
        that refusal is retried, anything else is raised with the server's words."""
        deadline = time.monotonic() + 10
        while True:
            try:
                self.psql(f'CREATE DATABASE "{name}"')
                return self.url(name)
            except RuntimeError as failed:
                if (
                    "being accessed by other users" not in str(failed)
                    or time.monotonic() > deadline
                ):
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        subprocess.run(
            self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def one_server_error_line(result: Any, *needles: str, host: str = "127.0.0.1") -> None:
    """A refused command's stderr: one `error:` line naming the server on `host` and
    holding every needle, then only `hint:` lines, and no traceback."""
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: PostgreSQL {host}:"), result.stderr
    for needle in needles:
        assert needle in lines[0], result.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), result.stderr
    assert "Traceback" not in result.stderr
