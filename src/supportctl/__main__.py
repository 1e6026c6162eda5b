"""Allow `python -m supportctl`."""

from __future__ import annotations

from supportctl.cli import main

main()
