"""A private Dovecot on 127.0.0.1 for the whole session (real IMAP, no mocks).

Dovecot runs in the foreground (`-F`) under Popen with everything under a temp dir:
config, base_dir, state, logs and mail. It daemonizes otherwise and keeps inherited
descriptors open, which makes pipes hang. Missing binary: skip locally, fail in CI.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import in_ci

USER = "support"
PASSWORD = "secret"


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    root: Path

    def client(self):  # type: ignore[no-untyped-def]
        from imapclient import IMAPClient

        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        c.login(self.user, self.password)
        return c

    def reset(self) -> None:
        """Delete every folder but INBOX and empty INBOX (between tests)."""
        c = self.client()
        try:
            for _flags, _delim, name in c.list_folders():
                if name != "INBOX":
                    c.delete_folder(name)
            c.select_folder("INBOX")
            uids = c.search("ALL")
            if uids:
                c.delete_messages(uids)
                c.expunge()
        finally:
            c.logout()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _version_ok() -> tuple[bool, str]:
    out = subprocess.run(
        ["dovecot", "--version"], capture_output=True, text=True, timeout=10
    ).stdout.strip()
    major_minor = tuple(int(p) for p in out.split()[0].split(".")[:2])
    return major_minor >= (2, 3) and major_minor < (2, 4), out


def _write_config(root: Path, port: int, extra: str = "") -> Path:
    is_root = os.getuid() == 0
    if is_root:
        mail_user = "nobody"
        uid = pwd.getpwnam(mail_user).pw_uid
        gid = grp.getgrnam("nogroup").gr_gid
        internal = "dovecot" if _has_user("dovecot") else mail_user
        login = "dovenull" if _has_user("dovenull") else mail_user
    else:
        uid, gid = os.getuid(), os.getgid()
        internal = login = pwd.getpwuid(uid).pw_name
    internal_group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
    for sub in ("run", "log", "state", "mail"):
        (root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(root / sub, 0o755)
    os.chmod(root, 0o755)
    maildir = root / "mail" / USER / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    if is_root:
        for dirpath, _dirs, _files in os.walk(root / "mail" / USER):
            os.chown(dirpath, uid, gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{root}/mail/{USER}::\n")
    conf = root / "dovecot.conf"
    conf.write_text(
        f"""instance_name = supportctl-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/log/dovecot.log
info_log_path = {root}/log/dovecot-info.log
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
last_valid_uid = 0
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
mail_location = maildir:{root}/mail/%u/Maildir
mail_max_userip_connections = 100
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service doveadm {{
  inet_listener {{
    port = 0
  }}
}}
{extra}
"""
    )
    return conf


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    _require_dovecot()
    server = DovecotServer.create()
    try:
        yield server.info
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


def _require_dovecot() -> None:
    if shutil.which("dovecot") is None or not Path("/usr/lib/dovecot/imap").exists():
        message = "dovecot-imapd is not installed (apt-get install dovecot-imapd; ./scripts/test does it as root)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    ok, version = _version_ok()
    if not ok:
        pytest.fail(f"this test fixture writes a Dovecot 2.3 config; found dovecot {version}")


class DovecotServer:
    """A private Dovecot that a test may stop and start again on the same port."""

    def __init__(self, root: Path, port: int, conf: Path) -> None:
        self.root = root
        self.port = port
        self.conf = conf
        self.proc: subprocess.Popen[bytes] | None = None
        self.info = Dovecot("127.0.0.1", port, USER, PASSWORD, root)

    @classmethod
    def create(cls, extra: str = "") -> DovecotServer:
        import tempfile

        # Not under pytest's tmp dir: that is 0700, and dovecot's auth and mail processes
        # run as other users that must traverse the path.
        root = Path(tempfile.mkdtemp(prefix="supportctl-dovecot-"))
        os.chmod(root, 0o755)
        port = _free_port()
        server = cls(root, port, _write_config(root, port, extra))
        server.start()
        return server

    def start(self) -> None:
        log = (self.root / "log" / "stdout.log").open("ab")
        proc = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        self.proc = proc
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                path = self.root / "log" / "dovecot.log"
                details = path.read_text(errors="replace") if path.exists() else ""
                pytest.fail(f"dovecot did not start on 127.0.0.1:{self.port}: {details[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        # the master is gone; wait until the port is free again for a restart
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
            except OSError:
                return
            time.sleep(0.05)


@pytest.fixture
def private_dovecot() -> Iterator[DovecotServer]:
    """A Dovecot of this test's own (to stop and start again)."""
    _require_dovecot()
    server = DovecotServer.create()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def imap(dovecot: Dovecot) -> Iterator[Dovecot]:
    """The session's Dovecot with an empty INBOX and no other folders."""
    dovecot.reset()
    yield dovecot


@dataclass
class InstalledWheel:
    wheel: Path
    site: Path  # the wheel installed with `pip install --target`, nothing else in it

    def names(self) -> list[str]:
        import zipfile

        return zipfile.ZipFile(self.wheel).namelist()

    def run(self, script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """Run a script with the installed copy first on the path (the repo nowhere near)."""
        import sys

        return subprocess.run(
            [sys.executable, "-c", script, str(self.site), *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={"PYTHONPATH": str(self.site), "PATH": "/usr/bin:/bin", "HOME": str(cwd)},
            timeout=120,
        )


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> InstalledWheel:
    """The project built as a wheel and installed into a directory of its own, once."""
    import sys

    from tests.conftest import REPO

    base = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(base / "dist"),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{done.stdout}\n{done.stderr}")
    [wheel] = list((base / "dist").glob("supportctl-*.whl"))
    site = base / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return InstalledWheel(wheel, site)
