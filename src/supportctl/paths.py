"""Default locations (platformdirs), kept apart from config.py so start-up stays cheap."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "supportctl"


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "supportctl.db"


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)
