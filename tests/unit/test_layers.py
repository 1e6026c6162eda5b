"""The layer check (scripts/check_imports.py): it finds a wrong-way arrow, and the tree
has none beyond the known list."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_imports.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_imports", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_imports"] = module
    spec.loader.exec_module(module)
    return module


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    src = tmp_path / "src" / "supportctl"
    for name in ("domain", "store", "render", "services", "cli", "mail"):
        (src / name).mkdir(parents=True, exist_ok=True)
        (src / name / "__init__.py").write_text("")
    (src / "__init__.py").write_text("__version__ = '0'\n")
    (src / "context.py").write_text("")
    (src / "errors.py").write_text("")
    for rel, text in files.items():
        (src / rel).write_text(text)
    return src


def test_the_tree_has_no_new_wrong_way_import(check: ModuleType) -> None:
    known = set(check.read_baseline())
    new = [f for f in check.violations() if check.key(f) not in known]
    assert new == []


def test_right_way_imports_pass(check: ModuleType, tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "domain/a.py": "import re\nfrom dateutil import rrule\nfrom . import b\n",
            "domain/b.py": "from __future__ import annotations\n",
            "store/s.py": "import sqlite3\nfrom supportctl.domain import a\n"
            "def f(c):\n    return c.execute('SELECT 1')\n",
            "render/r.py": "from supportctl.domain.a import x\nfrom supportctl import __version__\n",
            "services/v.py": "from supportctl.store import s\nfrom supportctl.render import r\n",
            "cli/c.py": "from supportctl.services import v\nfrom supportctl.context import A\n",
        },
    )
    assert check.violations(src) == []


@pytest.mark.parametrize(
    ("rel", "text", "what"),
    [
        ("render/r.py", "from supportctl.store.s import MARK\n", "imports supportctl.store.s"),
        (
            "render/r.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from supportctl.context import AppContext\n",
            "imports supportctl.context",
        ),
        ("render/r.py", "from ..services import v\n", "imports supportctl.services"),
        ("store/s.py", "from supportctl.mail import m\n", "imports supportctl.mail"),
        ("domain/a.py", "import rich\n", "imports rich (domain/ is stdlib and dateutil only)"),
        ("domain/a.py", "from supportctl.errors import E\n", "imports supportctl.errors"),
        ("services/v.py", "from supportctl.cli import c\n", "imports supportctl.cli"),
        (
            "context.py",
            "from supportctl.services import autoclose\n",
            "imports supportctl.services",
        ),
        ("services/v.py", "import sqlite3\n", "imports sqlite3 (the engine stays in store/)"),
        (
            "services/v.py",
            "def f(store):\n    return store.all(\n        'SELECT email FROM people')\n",
            "runs SQL (SQL stays in store/)",
        ),
        (
            "services/v.py",
            "def f(store, t):\n    return store.scalar(f'select count(*) from {t}')\n",
            "runs SQL (SQL stays in store/)",
        ),
    ],
)
def test_wrong_way_imports_are_found(
    check: ModuleType, tmp_path: Path, rel: str, text: str, what: str
) -> None:
    src = _tree(tmp_path, {rel: text})
    found = check.violations(src)
    assert [(f[0], f[2]) for f in found] == [(f"src/supportctl/{rel}", what)]


def test_a_new_wrong_way_import_fails_the_check(
    check: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    src = _tree(tmp_path, {"render/r.py": "from supportctl.store import s\n"})
    baseline = tmp_path / "baseline.txt"
    baseline.write_text("")
    monkeypatch.setattr(check, "SRC", src)
    monkeypatch.setattr(check, "BASELINE", baseline)
    monkeypatch.setattr(check.violations, "__defaults__", (src,))
    assert check.main([]) == 1
    assert "src/supportctl/render/r.py:1: imports supportctl.store" in capsys.readouterr().err
    assert check.main(["--write-baseline"]) == 0
    assert check.main([]) == 0
