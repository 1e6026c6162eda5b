#!/usr/bin/env python3
"""Check the layers: cli -> services -> domain / store / mail / render.

Reads every module under src/supportctl with `ast` (nothing is imported or run) and
lists each import that points the wrong way, and each piece of SQL outside store/:

- domain/ imports only the standard library, dateutil and domain/ itself;
- store/, mail/ and render/ import domain/ (and errors), never each other, never
  services/, cli/ or the app context (`supportctl.context`);
- services/ never imports cli/; context.py only builds things (config, store, consoles),
  so it imports no services/, render/ or cli/;
- the database engine (`sqlite3`, `sqlite_utils`) and SQL text handed to a query call
  (`execute`, `one`, `all`, `scalar`, ...) stand only in store/.

Imports under `if TYPE_CHECKING:` count too: a type is a dependency all the same.

A wrong-way import that is already known is listed in scripts/import_baseline.txt; the
check fails on any other one (a new arrow the wrong way), and says which known ones have
gone so the list can shrink. `--count` prints the number found and exits 0;
`--write-baseline` rewrites the list from the tree as it is.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "supportctl"
SRC = ROOT / "src" / PACKAGE
BASELINE = Path(__file__).resolve().parent / "import_baseline.txt"

LAYERS = ("cli", "services", "domain", "store", "mail", "render")

# Which parts of the package each part may import (besides itself). "errors", "paths"
# and "files" (safe file writing) are the shared base; "config" is the parsed
# configuration (plain values).
ALLOWED: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "errors": frozenset(),
    "paths": frozenset(),
    "files": frozenset({"errors"}),
    "store": frozenset({"domain", "errors", "files"}),
    "mail": frozenset({"domain", "errors", "config", "files"}),
    "render": frozenset({"domain", "errors", "config", "files"}),
    "config": frozenset({"domain", "errors", "paths", "files", "config_spec", "package"}),
    "config_spec": frozenset({"domain", "errors", "paths", "config"}),
    "context": frozenset({"errors", "paths", "files", "config", "store"}),
    "services": frozenset(
        {
            "domain",
            "store",
            "mail",
            "render",
            "errors",
            "paths",
            "files",
            "config",
            "config_spec",
            "context",
        }
    ),
    "cli": frozenset(
        {
            "services",
            "domain",
            "store",
            "mail",
            "render",
            "errors",
            "paths",
            "files",
            "config",
            "config_spec",
            "context",
            "package",
        }
    ),
    "main": frozenset({"cli", "errors", "package", "store"}),
    "package": frozenset(),
}

# Third-party modules domain/ may use (the rest of it is the standard library).
DOMAIN_THIRD_PARTY = frozenset({"dateutil"})
ENGINE_MODULES = frozenset({"sqlite3", "sqlite_utils"})
QUERY_CALLS = frozenset({"execute", "executemany", "executescript", "one", "all", "scalar"})
SQL_TEXT = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE|DROP|ALTER|PRAGMA)\s", re.IGNORECASE
)


def part_of(module: str, src: Path = SRC) -> str:
    """The part of the package a dotted module name belongs to."""
    pieces = module.split(".")
    if pieces[0] != PACKAGE:
        return ""
    if len(pieces) == 1:
        return "package"
    head = pieces[1]
    if not (src / head).is_dir() and not (src / f"{head}.py").exists():
        return "package"  # a name the package itself defines: `from supportctl import __version__`
    if head in LAYERS:
        return head
    if head == "__main__":
        return "main"
    return head


def module_name(path: Path, src: Path = SRC) -> str:
    rel = path.relative_to(src.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, dotted name) for every import in a module, relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop] if drop else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == PACKAGE:
                # `from supportctl import x`: x may be a subpackage.
                for alias in node.names:
                    yield node.lineno, f"{PACKAGE}.{alias.name}"
            else:
                yield node.lineno, target


def sql_texts(tree: ast.AST) -> Iterator[int]:
    """Lines of query calls whose first argument is SQL text."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in QUERY_CALLS or not node.args:
            continue
        first = node.args[0]
        text = ""
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            text = first.value
        elif isinstance(first, ast.JoinedStr):
            text = "".join(
                v.value
                for v in first.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
        if SQL_TEXT.match(text):
            yield node.lineno


def violations(src: Path = SRC) -> list[tuple[str, int, str]]:
    """(file, line, what) for every wrong-way import and every SQL outside store/."""
    stdlib = set(sys.stdlib_module_names)
    found: list[tuple[str, int, str]] = []
    for path in sorted(src.rglob("*.py")):
        module = module_name(path, src)
        part = part_of(module, src)
        rel = path.relative_to(src.parent.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        allowed = ALLOWED.get(part, frozenset())
        for line, target in imported(tree, module, path.name == "__init__.py"):
            top = target.split(".")[0]
            if top == PACKAGE:
                other = part_of(target, src)
                if other not in (part, "package") and other not in allowed:
                    found.append((rel, line, f"imports {target}"))
            elif top in ENGINE_MODULES and part != "store":
                found.append((rel, line, f"imports {top} (the engine stays in store/)"))
            elif part == "domain" and top not in stdlib and top not in DOMAIN_THIRD_PARTY:
                found.append((rel, line, f"imports {top} (domain/ is stdlib and dateutil only)"))
        if part != "store":
            for line in sql_texts(tree):
                found.append((rel, line, "runs SQL (SQL stays in store/)"))
    return found


def key(item: tuple[str, int, str]) -> str:
    """What the baseline remembers: the file and what it does, not the line number."""
    return f"{item[0]}: {item[2]}"


def read_baseline() -> list[str]:
    if not BASELINE.exists():
        return []
    return [
        line.strip()
        for line in BASELINE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", action="store_true", help="print how many there are")
    parser.add_argument("--all", action="store_true", help="list every one, known or not")
    parser.add_argument("--write-baseline", action="store_true", help="rewrite the known list")
    args = parser.parse_args(argv)

    found = violations()
    keys = sorted({key(f) for f in found})
    if args.count:
        print(len(keys))
        return 0
    if args.write_baseline:
        BASELINE.write_text(
            "# Wrong-way imports known when the check came in; remove a line when its\n"
            "# import is fixed. scripts/check_imports.py fails on any import not listed.\n"
            + "".join(f"{k}\n" for k in keys),
            encoding="utf-8",
        )
        print(f"{len(keys)} known wrong-way imports written to {BASELINE.name}")
        return 0
    if args.all:
        for f in found:
            print(f"{f[0]}:{f[1]}: {f[2]}")
        return 0

    known = set(read_baseline())
    new = [f for f in found if key(f) not in known]
    gone = sorted(known - set(keys))
    for f in new:
        print(
            f"{f[0]}:{f[1]}: {f[2]}: an import the wrong way (layers: cli -> services -> "
            "domain / store / mail / render)",
            file=sys.stderr,
        )
    for k in gone:
        print(f"fixed, remove from {BASELINE.name}: {k}", file=sys.stderr)
    print(f"{len(keys)} wrong-way imports ({len(keys) - len(new)} known, {len(new)} new)")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
