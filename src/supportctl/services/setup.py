"""`init` and `backup`: creating the workspace and copying it safely."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportctl.config import load_config
from supportctl.config_spec import render_config
from supportctl.errors import ConfigError
from supportctl.files import write_file
from supportctl.store.db import Store, backup_to, create_database, open_store


@dataclass(frozen=True)
class InitResult:
    config_path: Path
    db_path: Path
    config_created: bool
    db_created: bool


def init(
    config_path: Path,
    db_path: Path,
    *,
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
    if db_path.exists() and db_path.is_dir():
        raise ConfigError(f"{db_path} is a directory, not a database file")
    db_created = create_database(db_path, group=group)
    # An empty file is set up as a new database; another program's is refused.
    store = open_store(db_path, create=True)
    store.close()
    return InitResult(config_path, db_path, config_created, db_created)


def backup(store: Store, target: Path) -> Path:
    backup_to(store, target)
    return target
