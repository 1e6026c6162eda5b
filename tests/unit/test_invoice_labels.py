"""Invoice texts live in one file per language beside the templates."""

from __future__ import annotations

import tomllib

from supportctl.render import invoice as render
from supportctl.render.templates import packaged_templates_dir


def test_every_language_file_has_every_text_english_has() -> None:
    files = sorted((packaged_templates_dir() / "invoice").glob("labels.*.toml"))
    languages = [f.name.split(".")[1] for f in files]
    assert {"en", "fi", "cs"} <= set(languages)
    english = tomllib.loads((packaged_templates_dir() / "invoice" / "labels.en.toml").read_text())
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"document", "mail"}, path.name
        for table in ("document", "mail"):
            assert set(data[table]) == set(english[table]), (path.name, table)
            assert all(isinstance(v, str) and v for v in data[table].values()), path.name


def test_labels_by_language_with_english_for_the_rest() -> None:
    assert render.labels_for("fi_FI")["invoice"] == "Lasku"
    assert render.labels_for("cs")["invoice"] == "Faktura"
    assert render.labels_for("sv_SE") == render.labels_for("en_GB")
    assert render.mail_texts("fi_FI")["subject"] == "Lasku {number} – {agency}"
