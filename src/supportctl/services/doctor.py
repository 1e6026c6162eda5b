"""`supportctl doctor`: why this user can or cannot use the config and the database.

Every check is about files and permissions, the things that go wrong when a team
shares one database on a server (`init --group`): it says what was found, and for a
problem what to run to fix it, in words a colleague can act on.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple


class Finding(NamedTuple):
    ok: bool
    what: str
    fix: str | None = None


def _user() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _owner(st: os.stat_result) -> tuple[str, str]:
    import grp
    import pwd

    try:
        user = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        user = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return user, group


def _describe(path: Path, st: os.stat_result) -> str:
    user, group = _owner(st)
    return f"{path} ({stat.filemode(st.st_mode)} {user}:{group})"


def _in_group(gid: int) -> bool:
    return gid == os.getegid() or gid in os.getgroups()


def _check_config(found: list[Finding], config_path: Path, me: str) -> None:
    # The config file.
    if not os.access(config_path.absolute().parent, os.X_OK):
        found.append(
            Finding(
                False,
                f"{me} cannot look into the config's folder {config_path.parent}",
                "use a config of your own: --config PATH or SUPPORTCTL_CONFIG",
            )
        )
    elif not config_path.exists():
        found.append(Finding(False, f"no config file at {config_path}", "run `supportctl init`"))
    elif not os.access(config_path, os.R_OK):
        st = config_path.stat()
        found.append(
            Finding(
                False,
                f"{me} cannot read the config {_describe(config_path, st)}",
                f"its owner runs: chmod g+r {config_path} (and adds {me} to its group)",
            )
        )
    else:
        found.append(Finding(True, f"config {config_path} is readable"))


def check(
    config_path: Path, db_path: Path | str, password: Callable[[], str | None] | None = None
) -> list[Finding]:
    """Findings, in the order a person would look: config, then the database: its
    folder, file and companions, or on a server whether it is reachable, its schema
    version and this user's rights (`password` gives the config's server password)."""
    import grp

    found: list[Finding] = []
    me = _user()
    _check_config(found, config_path, me)
    if isinstance(db_path, str):
        from supportctl.errors import SupportctlError
        from supportctl.store.db import diagnose_server

        try:
            secret = password() if password is not None else None
        except SupportctlError as exc:
            return [*found, Finding(False, exc.message, exc.hint)]
        return found + [Finding(*f) for f in diagnose_server(db_path, secret)]

    # The database's folder: SQLite creates its -wal and -shm files there.
    folder = db_path.absolute().parent
    if not folder.is_dir():
        found.append(
            Finding(False, f"the database folder {folder} does not exist", "run `supportctl init`")
        )
        return found
    fst = folder.stat()
    _, folder_group = _owner(fst)
    group_shared = bool(fst.st_mode & stat.S_IWGRP)
    if not os.access(folder, os.W_OK | os.X_OK):
        if group_shared and not _in_group(fst.st_gid):
            fix = (
                f"add {me} to group '{folder_group}': sudo usermod -aG {folder_group} {me} "
                "(then log in again)"
            )
        else:
            fix = (
                "SQLite makes its -wal and -shm files beside the database, so every user "
                "needs to write in this folder; share it with the team's group: "
                f"sudo chgrp GROUP {folder} && sudo chmod 2770 {folder}, or run "
                "`supportctl init --group GROUP` as its owner"
            )
        found.append(Finding(False, f"{me} cannot create files in {_describe(folder, fst)}", fix))
    else:
        found.append(Finding(True, f"{me} can write in the folder {_describe(folder, fst)}"))
    if group_shared and not fst.st_mode & stat.S_ISGID:
        found.append(
            Finding(
                False,
                f"{folder} is group-writable but not setgid: files a colleague creates there "
                "get that person's own group, and the others cannot write them",
                f"sudo chmod g+s {folder}",
            )
        )

    # The database and its companions.
    if not os.access(folder, os.X_OK):
        return found  # nothing inside can be looked at; the fix above comes first
    if not db_path.exists():
        found.append(Finding(False, f"no database at {db_path}", "run `supportctl init`"))
        return found
    for path in (db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))):
        if not path.exists():
            continue
        st = path.stat()
        readable = os.access(path, os.R_OK)
        writable = os.access(path, os.W_OK)
        if readable and writable:
            found.append(Finding(True, f"{me} can read and write {_describe(path, st)}"))
            if group_shared and st.st_gid != fst.st_gid:
                try:
                    gname = grp.getgrgid(fst.st_gid).gr_name
                except KeyError:
                    gname = str(fst.st_gid)
                found.append(
                    Finding(
                        False,
                        f"{path.name} is not in the folder's group '{gname}'",
                        f"sudo chgrp {gname} {path} && sudo chmod 660 {path}",
                    )
                )
            continue
        user, group = _owner(st)
        if group_shared and not _in_group(st.st_gid):
            fix = f"add {me} to group '{group}': sudo usermod -aG {group} {me} (then log in again)"
        elif group_shared or st.st_mode & stat.S_IRGRP:
            fix = f"the owner ({user}) runs: chmod 660 {path}"
        else:
            fix = (
                f"the database is private to {user}; to share it, {user} runs "
                "`supportctl init --group GROUP` (same --db)"
            )
        can = "read but not write" if readable else "neither read nor write"
        found.append(Finding(False, f"{me} can {can} {_describe(path, st)}", fix))
    return found
