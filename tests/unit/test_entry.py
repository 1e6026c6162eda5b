"""The entry point's early look at the arguments: which server a command will open."""

from __future__ import annotations

import pytest

from supportctl.__main__ import early_server_url

URL = "postgresql://alice@desk.agency.example/support?sslmode=verify-full"


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["inbox"], {"SUPPORTCTL_DB": URL}, URL),
        (["--db", URL, "inbox"], {}, URL),
        ([f"--db={URL}", "log", "3", "25m"], {}, URL),
        (["--db", "service=desk", "inbox"], {}, "service=desk"),
        (["--config", "c.toml", "--debug", "inbox"], {"SUPPORTCTL_DB": URL}, URL),
        (["--no-color", "ticket", "show", "1"], {"SUPPORTCTL_DB": URL}, URL),
        # a file, or nothing named: nothing to connect to
        (["inbox"], {}, None),
        (["inbox"], {"SUPPORTCTL_DB": ""}, None),
        (["inbox"], {"SUPPORTCTL_DB": "/home/alice/support.db"}, None),
        (["--db", "desk.db", "inbox"], {"SUPPORTCTL_DB": URL}, None),
        # no command follows (help, version, or nothing): no connection
        ([], {"SUPPORTCTL_DB": URL}, None),
        (["--help"], {"SUPPORTCTL_DB": URL}, None),
        (["--db", URL, "--version"], {}, None),
        (["--db", URL], {}, None),
        (["--db"], {"SUPPORTCTL_DB": URL}, None),
        # the command's own options are not the root's
        (["inbox", "--db", "desk.db"], {"SUPPORTCTL_DB": URL}, URL),
        (["inbox", "--help"], {"SUPPORTCTL_DB": URL}, URL),
    ],
)
def test_early_server_url(argv: list[str], env: dict[str, str], expected: str | None) -> None:
    assert early_server_url(argv, env) == expected


def test_every_module_loaded_while_connecting_exists() -> None:
    """The modules named for loading while a server connection is made (a stale name
    would fail only on a server, at the first command that uses it)."""
    import importlib

    from supportctl.cli import _EVERY_WRITE, COMMANDS, LOADED_AFTER_OPEN

    assert set(LOADED_AFTER_OPEN) <= set(COMMANDS)
    for names in (*LOADED_AFTER_OPEN.values(), _EVERY_WRITE):
        for name in names:
            importlib.import_module(name)


def test_a_command_that_needs_no_desk_never_waits_for_the_early_connection() -> None:
    """A server that takes the connection and never answers: `--help` of a command
    still answers at once (the connection's thread is left behind), while the
    connection's own timeout is 10 s."""
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(4)
        url = f"postgresql://nobody@127.0.0.1:{hole.getsockname()[1]}/desk?sslmode=disable"
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "supportctl", "inbox", "--help"],
            env=dict(os.environ, SUPPORTCTL_DB=url),
            capture_output=True,
            text=True,
            timeout=60,
        )
        took = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout and done.stderr == ""
    assert took < 8, took
