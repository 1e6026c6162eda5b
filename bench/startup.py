"""Start-up speed: `supportctl --help`, `customer list`, `customer show X` against
`python3 -c pass` and `watson add`, all measured in the same run (medians).

    .venv/bin/python bench/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Watson, compile_sources, print_table, python_pass, tool, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    compile_sources()
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    env = {
        "SUPPORTCTL_DB": str(work / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(work / "config.toml"),
        "NO_COLOR": "1",
    }
    exe = tool("supportctl")
    subprocess.run(
        [exe, "demo", "--dir", str(work / "demo")],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, **env, "SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"},
    )
    env["SUPPORTCTL_DB"] = str(work / "demo" / "supportctl.db")
    env["SUPPORTCTL_CONFIG"] = str(work / "demo" / "config.toml")
    watson = Watson()
    rows = [
        ("python3 -c pass", python_pass(args.runs)),
        ("watson add", watson.add(args.runs)),
        ("supportctl --help", wall([exe, "--help"], env=env, runs=args.runs)),
        ("supportctl customer list", wall([exe, "customer", "list"], env=env, runs=args.runs)),
        (
            "supportctl customer show acme",
            wall([exe, "customer", "show", "acme"], env=env, runs=args.runs),
        ),
        (
            "supportctl customer list --json",
            wall([exe, "customer", "list", "--json"], env=env, runs=args.runs),
        ),
    ]
    reference = rows[1][1]
    print(f"start-up, median of {args.runs} runs each, same machine, same run")
    print_table(rows, reference)
    worst = max(seconds for name, seconds in rows if name.startswith("supportctl"))
    print(f"worst supportctl / watson add = {worst / reference:.2f} (target <= 1.00)")


if __name__ == "__main__":
    main()
