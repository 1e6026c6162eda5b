"""Mail out speed: `reply --dry-run`, a full `reply` into the outbox (compose, record,
first response), `reply --templates`, `remind --dry-run`, against `watson add`
measured in the same run, the commands in turn (A B A B …), medians.

    .venv/bin/python bench/reply.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Job, Watson, compile_sources, interleaved, print_table, tool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    compile_sources()
    work = Path(tempfile.mkdtemp(prefix="bench-reply-"))
    exe = tool("supportctl")
    base = {"NO_COLOR": "1", "SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"}
    subprocess.run(
        [exe, "demo", "--dir", str(work / "demo")],
        check=True,
        stdout=subprocess.DEVNULL,
        env={
            **os.environ,
            **base,
            "SUPPORTCTL_DB": str(work / "x.db"),
            "SUPPORTCTL_CONFIG": str(work / "x.toml"),
        },
    )
    env = {
        **base,
        "SUPPORTCTL_DB": str(work / "demo" / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(work / "demo" / "config.toml"),
        "SUPPORTCTL_OUTBOX": str(work / "outbox"),
    }
    text = "Hei Matti, katsomme asiaa heti. Terveisin Alice"
    watson = Watson()
    # In turn (watson, context, templates, dry run, reply, remind; again …): a busy
    # moment of a shared machine falls on all of them alike.
    jobs: list[Job] = [
        ("watson add", watson.argv, watson.env),
        ("supportctl customer list (context)", [exe, "customer", "list"], env),
        ("supportctl reply --templates", [exe, "reply", "--templates"], env),
        ("supportctl reply 1 --dry-run -m", [exe, "reply", "1", "--dry-run", "-m", text], env),
        ("supportctl reply 1 -m (outbox)", [exe, "reply", "1", "-m", text], env),
        ("supportctl remind --dry-run", [exe, "remind", "--dry-run"], env),
    ]
    rows = list(interleaved(jobs, runs=args.runs).items())
    reference = rows[0][1]
    print(f"mail out, median of {args.runs} runs each, same machine, same run")
    print_table(rows, reference)


if __name__ == "__main__":
    main()
