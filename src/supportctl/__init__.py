"""supportctl: a terminal-first support desk over one SQLite file."""

from __future__ import annotations

__version__ = "0.1.0"
