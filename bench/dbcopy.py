"""`db copy` of the demo desk into a new SQLite file: from SQLite and from PostgreSQL.

    .venv/bin/python bench/dbcopy.py [--runs 10] [--against OTHER/src]

Builds the demo desk (`supportctl demo`), copies it once into a private PostgreSQL
cluster (tests/pgcluster.py), then times, in turn, `db copy demo.db NEW.db` and
`db copy postgresql://… NEW.db` (each run into a fresh file; the copy verifies every
table). With --against, the same two commands also run with another checkout's
sources first on the path (say the code before a change), alternating with these, so
the two are compared in one run on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import compile_sources, interleaved, tool
from tests.pgcluster import Cluster

NOW = {"SUPPORTCTL_NOW": "2026-11-25T10:00:00Z", "NO_COLOR": "1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--against", type=Path, help="another checkout's src directory")
    args = parser.parse_args()
    compile_sources()
    root = Path(tempfile.mkdtemp(prefix="bench-dbcopy-"))
    os.chmod(root, 0o755)
    cluster = Cluster().start()
    os.environ["PGPASSFILE"] = str(cluster.passfile)
    try:
        demo = root / "demo"
        subprocess.run(
            [tool("supportctl"), "demo", "--dir", str(demo)],
            env={**os.environ, **NOW},
            check=True,
            capture_output=True,
        )
        source = str(demo / "supportctl.db")
        server = cluster.createdb("bench_copy")
        subprocess.run(
            [tool("supportctl"), "db", "copy", source, server],
            env={**os.environ, **NOW},
            check=True,
            capture_output=True,
        )
        out = root / "out"
        out.mkdir()
        if args.against is not None:
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(args.against)], check=True
            )
        variants = [("", NOW)]
        if args.against is not None:
            variants.append((" (against)", {**NOW, "PYTHONPATH": str(args.against.resolve())}))
        jobs = []
        for suffix, env in variants:
            for name, src in (("sqlite -> sqlite", source), ("postgresql -> sqlite", server)):
                tag = f"{name}{suffix}"
                slug = tag.replace(" ", "_").replace(">", "").replace("(", "").replace(")", "")
                jobs.append(
                    (
                        tag,
                        lambda i, src=src, slug=slug: [
                            tool("supportctl"),
                            "db",
                            "copy",
                            src,
                            str(out / f"{slug}-{i}.db"),
                        ],
                        env,
                    )
                )
        print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        medians = interleaved(jobs, runs=args.runs)
        rows = sqlite_rows(source)
        print(f"demo desk: {rows} rows; medians of {args.runs}, run in turn")
        for name, seconds in medians.items():
            print(f"  {name:<34} {seconds * 1000:8.0f} ms")
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def sqlite_rows(path: str) -> int:
    import sqlite3

    from supportctl.store.copy import TABLES

    with sqlite3.connect(path) as conn:
        return sum(int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES)


if __name__ == "__main__":
    main()
