"""The only place that speaks SQL. Commands and services call functions here."""

from __future__ import annotations

from supportctl.store.db import Store, open_store

__all__ = ["Store", "open_store"]
