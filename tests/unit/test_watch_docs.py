"""The shipped systemd unit is hardened, and the README shows watch, alerts and status."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import REPO


def _unit() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in (REPO / "docs" / "supportctl-watch.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _sep, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def test_the_systemd_unit_is_hardened_and_runs_watch() -> None:
    unit = _unit()
    assert unit["ExecStart"][0].endswith("supportctl watch")
    assert unit["NoNewPrivileges"] == ["yes"]
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["ReadWritePaths"] == ["/var/lib/supportctl"]
    assert unit["Environment"][1] == "SUPPORTCTL_DB=/var/lib/supportctl/supportctl.db"
    assert unit["ExecReload"] == ["/bin/kill -HUP $MAINPID"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_accepts_the_unit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    unit = tmp_path / "supportctl-watch.service"
    unit.write_text(
        (REPO / "docs" / "supportctl-watch.service")
        .read_text()
        .replace("/opt/supportctl/bin/supportctl", shutil.which("true") or "/bin/true")
    )
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert "Unknown key" not in done.stderr and "Invalid" not in done.stderr, done.stderr


def test_readme_shows_watch_alerts_status_and_the_unit() -> None:
    readme = (REPO / "README.md").read_text()
    for needle in (
        "supportctl watch",
        "supportctl status",
        "supportctl alert test",
        "[alerts]",
        "ntfy",
        "docs/supportctl-watch.service",
    ):
        assert needle in readme, needle
