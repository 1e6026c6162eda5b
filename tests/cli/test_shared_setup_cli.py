"""A team on one server (`init --group`), `doctor`, and the demo's look-around commands."""

from __future__ import annotations

import grp
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import skip_unless_nobody_can_run

REPO = Path(__file__).resolve().parents[2]
NOBODY = 65534


@pytest.fixture
def server_folder() -> Iterator[Path]:
    """A folder outside the private pytest tree, where another user can look."""
    folder = Path(tempfile.mkdtemp(prefix="supportctl-team-"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def as_colleague(argv: list[str], env: dict[str, str], *, in_group: int | None):
    """Run supportctl as another user (`nobody`), in the group or not (needs root)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("acting as a colleague needs root and setpriv")
    skip_unless_nobody_can_run(setpriv)
    groups = [f"--groups={in_group}"] if in_group is not None else ["--clear-groups"]
    return subprocess.run(
        [
            setpriv,
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            *groups,
            sys.executable,
            "-m",
            "supportctl",
            *argv,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_init_group_shares_the_folder_so_a_colleague_can_write(cli, server_folder) -> None:
    group = grp.getgrgid(os.getegid())
    desk = server_folder / "desk"
    env_vars = {
        "SUPPORTCTL_DB": str(desk / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(server_folder / "owner.toml"),
    }
    cli.ok("init", "--user", "alice", "--group", group.gr_name, env=env_vars)
    folder = desk.stat()
    assert folder.st_gid == group.gr_gid
    assert stat.S_IMODE(folder.st_mode) == 0o2770
    db = (desk / "supportctl.db").stat()
    assert db.st_gid == group.gr_gid and stat.S_IMODE(db.st_mode) == 0o660

    colleague_config = server_folder / "bob.toml"
    colleague_config.write_text('user = "bob"\n')
    os.chmod(colleague_config, 0o644)
    env = {**os.environ, **env_vars, "SUPPORTCTL_CONFIG": str(colleague_config)}
    done = as_colleague(["customer", "add", "acme", "--plan", "adhoc"], env, in_group=group.gr_gid)
    assert done.returncode == 0, done.stderr
    assert "acme" in cli.ok("customer", "list", env=env_vars).stdout
    # what the colleague's command left in the folder stays the group's
    for path in desk.iterdir():
        assert path.stat().st_gid == group.gr_gid, path


def test_init_group_refuses_an_unknown_group(cli, workspace_env) -> None:
    result = cli.fails(3, "init", "--group", "no-such-group-here")
    assert "no such group 'no-such-group-here'" in result.stderr


def test_doctor_explains_a_permission_problem_to_a_colleague(cli, server_folder) -> None:
    group = grp.getgrgid(os.getegid())
    desk = server_folder / "desk"
    env_vars = {
        "SUPPORTCTL_DB": str(desk / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(server_folder / "owner.toml"),
    }
    cli.ok("init", "--user", "alice", "--group", group.gr_name, env=env_vars)
    assert "no problems found" in cli.ok("doctor", env=env_vars).stdout

    colleague_config = server_folder / "bob.toml"
    colleague_config.write_text('user = "bob"\n')
    os.chmod(colleague_config, 0o644)
    env = {**os.environ, **env_vars, "SUPPORTCTL_CONFIG": str(colleague_config)}
    outsider = as_colleague(["doctor"], env, in_group=None)
    assert outsider.returncode == 7
    assert "cannot create files in" in outsider.stdout
    assert f"sudo usermod -aG {group.gr_name} nobody" in outsider.stdout
    refused = as_colleague(["customer", "list"], env, in_group=None)
    assert refused.returncode == 7 and "supportctl doctor" in refused.stderr

    os.chmod(desk / "supportctl.db", 0o640)  # the owner's umask slipped
    member = as_colleague(["doctor"], env, in_group=group.gr_gid)
    assert member.returncode == 7
    assert "can read but not write" in member.stdout
    assert "chmod 660" in member.stdout


def test_the_demos_look_around_commands_work_as_printed(tmp_path: Path) -> None:
    """Without the virtualenv on PATH, the printed commands still run as shown."""
    exe = Path(sys.executable).parent / "supportctl"
    if not exe.exists():
        pytest.skip("the supportctl console script is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTCTL_")}
    env["PATH"] = "/usr/bin:/bin"
    env.pop("VIRTUAL_ENV", None)
    demo = subprocess.run(
        [str(exe), "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    block = demo.stdout.split("Look around (copy and paste):", 1)[1]
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    assert any("activate" in line or line.startswith(("./", "/")) for line in lines[:2])
    script = "set -e\n" + "\n".join(lines) + "\n"
    run = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 0, f"{script}\n{run.stderr}"
    assert "command not found" not in run.stderr
