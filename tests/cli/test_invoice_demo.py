"""The demo ends with the month's invoices in HTML and Markdown, and says where they are."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_invoice_demo_renders_html_and_markdown_and_prints_paths(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-14T08:30:00Z")
    target = tmp_path / "demo"
    result = cli.ok("demo", "--dir", str(target))
    printed = [
        line.split("invoice:", 1)[1].strip()
        for line in result.stdout.splitlines()
        if line.strip().startswith("invoice:")
    ]
    paths = [Path(p) for p in printed]
    assert {p.suffix for p in paths} == {".html", ".md"}
    for path in paths:
        assert path.is_file() and path.is_relative_to(target / "invoices")
    html = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    assert "Koodiverstas Oy" in html and "IBAN" in html
