"""Start-up speed: `supportctl --help`, `customer list`, `customer show X`, `inbox
--no-fetch` and `log 42 25m x` against `python3 -c pass` and `watson add`, all in the
same run, the commands in turn (A B A B …), medians.

Twice: piped (stdout to /dev/null, as scripts run them) and on a pseudo-terminal
(`script -qec CMD /dev/null`, as a person runs them: rich tables and help load there).
Targets: every supportctl command <= 1.0x `watson add` run the same way.

    .venv/bin/python bench/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Job, Watson, compile_sources, interleaved, print_table, tool
from inbox import fill, setup, workspace_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    compile_sources()
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    # A small desk: 100 tickets (60 open), 30 customers, 8 people, config user dev0.
    env = setup(work, customers=30, people=8)
    fill(work / "supportctl.db", 100, 60, customers=30, people=8)
    env = workspace_env(work)
    exe = tool("supportctl")
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def log_env(i: int) -> dict[str, str]:
        # every run logs a real entry at its own later moment (no overlap refusal)
        moment = start + timedelta(minutes=30 * i)
        return {**env, "SUPPORTCTL_NOW": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}

    log_runs = iter(range(10**6))
    watson = Watson()
    for pty in (False, True):
        jobs: list[Job] = [("watson add", watson.argv, watson.env)]
        if not pty:
            jobs.insert(0, ("python3 -c pass", [sys.executable, "-c", "pass"], {}))
        jobs += [
            ("supportctl --help", [exe, "--help"], env),
            ("supportctl customer list", [exe, "customer", "list"], env),
            ("supportctl customer show c01", [exe, "customer", "show", "c01"], env),
            ("supportctl inbox --no-fetch", [exe, "inbox", "--no-fetch"], env),
            (
                "supportctl log 42 25m x",
                [exe, "log", "42", "25m", "x"],
                lambda _i: log_env(next(log_runs)),
            ),
        ]
        if not pty:
            jobs.append(
                ("supportctl customer list --json", [exe, "customer", "list", "--json"], env)
            )
        medians = interleaved(jobs, runs=args.runs, pty=pty)
        reference = medians["watson add"]
        how = "on a pseudo-terminal (script -qec)" if pty else "piped"
        print(f"start-up {how}, median of {args.runs} runs each, in turn, same run")
        print_table(list(medians.items()), reference)
        worst = max(seconds for name, seconds in medians.items() if name.startswith("supportctl"))
        print(f"worst supportctl / watson add = {worst / reference:.2f} (target <= 1.00)\n")


if __name__ == "__main__":
    main()
