"""Terminal-safe text for the view layer: `term_safe`, `one_line`, `csv_cell`.

The rule itself is pure text and lives in `domain.safe_text`, so every layer that
needs it (mail/ for subjects it builds, render/ for everything shown) imports it
from one place; views keep importing it from here.
"""

from __future__ import annotations

from supportctl.domain.safe_text import csv_cell, one_line, term_safe

__all__ = ["csv_cell", "one_line", "term_safe"]
