"""`init` and `backup`: creating the workspace and copying it safely."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportctl.config import load_config
from supportctl.config_spec import render_config
from supportctl.errors import ConfigError
from supportctl.files import write_file
from supportctl.store.db import Store, create_database, open_store


@dataclass(frozen=True)
class InitResult:
    config_path: Path
    db_path: Path | str
    config_created: bool
    db_created: bool


def init(
    config_path: Path,
    db_path: Path | str,
    *,
    password: str | None = None,
    group: str | None = None,
    user: str | None = None,
    agency: dict[str, Any] | None = None,
    banks: dict[str, dict[str, Any]] | None = None,
) -> InitResult:
    """Create the config file (agency section only) and the database; safe to run again."""
    config_created = False
    if not config_path.exists():
        text = render_config(agency, user=user, banks=banks)
        write_file(config_path, text.encode("utf-8"), what="the config")
        config_created = True
    else:
        load_config(config_path)  # a broken existing config is reported, not overwritten
    if isinstance(db_path, str):
        # A server: create or upgrade the schema (idempotent); the server names itself.
        server = open_store(db_path, create=True, password=password)
        created = bool(getattr(server, "fresh", False))
        label = server.label
        server.close()
        return InitResult(config_path, label, config_created, created)
    if db_path.exists() and db_path.is_dir():
        raise ConfigError(f"{db_path} is a directory, not a database file")
    db_created = create_database(db_path, group=group)
    # An empty file is set up as a new database; another program's is refused.
    store = open_store(db_path, create=True)
    store.close()
    return InitResult(config_path, db_path, config_created, db_created)


def backup(store: Store, target: Path, progress: Any = None) -> Path:
    """A single-file SQLite copy: VACUUM INTO on SQLite; on a server, every table read
    in one REPEATABLE READ transaction into a new file (the same one-file desk a solo
    user has, restorable with `db copy`)."""
    if store.backup_native(target):
        return target
    from supportctl.errors import InputError

    if target.exists():
        raise InputError(f"{target} already exists; choose a new file name")
    copy_database(store, str(target), progress=progress, target_is_new_file=True)
    return target


def copy_database(
    source: Store,
    destination: str,
    *,
    password: str | None = None,
    progress: Any = None,
    target_is_new_file: bool = False,
) -> dict[str, int]:
    """Copy the whole desk into an empty destination (a new file or an empty server
    database) and verify it table by table; on any failure a new file is removed."""
    from supportctl.store.copy import copy_desk
    from supportctl.store.db import is_server_url

    if is_server_url(destination):
        target = open_store(destination, create=True, password=password)
        created: Path | None = None
    else:
        path = Path(destination).expanduser()
        if path.exists() and path.is_dir():
            raise ConfigError(f"{path} is a directory, not a database file")
        created = path if create_database(path) else None
        try:
            target = open_store(path, create=created is not None)  # a new file gets the mark
        except BaseException:
            if created is not None:
                created.unlink(missing_ok=True)
            raise
    try:
        return copy_desk(source, target, progress)
    except BaseException:
        target.close()
        if created is not None:
            for leftover in (created, Path(f"{created}-wal"), Path(f"{created}-shm")):
                leftover.unlink(missing_ok=True)
        raise
    finally:
        target.close()
