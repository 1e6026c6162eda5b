"""Helpers shared by the benchmark scripts: timing whole commands, medians, peers."""

from __future__ import annotations

import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def compile_sources() -> None:
    """Write .pyc files for the package, as a wheel install does.

    With PYTHONDONTWRITEBYTECODE set (common in containers) an editable install would
    otherwise recompile every imported module on every run, while the peers' installed
    packages have their .pyc files: that would measure the compiler, not the program.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True)


def tool(name: str) -> str:
    """A console script from this interpreter's environment, else from PATH."""
    candidate = BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} is not installed (pip install td-watson for watson)")
    return found


def wall(
    argv: Sequence[str], *, env: dict[str, str] | None = None, runs: int = 20, warmup: int = 2
) -> float:
    """Median wall time in seconds of running argv to completion, output discarded."""
    merged = {**os.environ, **(env or {})}
    samples = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        done = subprocess.run(
            argv,
            env=merged,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}"
            )
        if i >= warmup:
            samples.append(elapsed)
    return statistics.median(samples)


# A job for `interleaved`: name, argv (or argv of the run's index), env (or env of the
# run's index). Per-run argv or env lets a command that writes (say `log 42 25m`) run
# at its own moment every time.
Job = tuple[
    str,
    Sequence[str] | Callable[[int], Sequence[str]],
    dict[str, str] | Callable[[int], dict[str, str]],
]


def on_pty(argv: Sequence[str]) -> list[str]:
    """argv run on a pseudo-terminal (`script`), as a person runs it: stdout is a tty."""
    return ["script", "-qec", shlex.join(argv), "/dev/null"]


def interleaved(
    jobs: Sequence[Job], *, runs: int, warmup: int = 2, pty: bool = False
) -> dict[str, float]:
    """Median wall seconds per job, the jobs run in turn (A B A B …) `runs` times, so
    that a busy moment of a shared machine falls on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name, _a, _e in jobs}
    for round_ in range(warmup + runs):
        for name, argv, env in jobs:
            args = list(argv(round_) if callable(argv) else argv)
            extra = env(round_) if callable(env) else env
            if pty:
                args = on_pty(args)
            started = time.perf_counter()
            done = subprocess.run(
                args,
                env={**os.environ, **extra},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
            )
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr.decode(errors='replace')}")
            if round_ >= warmup:
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


class Watson:
    """`watson add` in its own throw-away directory: the peer every start-up target names."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="bench-watson-")
        self.env = {"WATSON_DIR": self.dir}
        self.argv = [tool("watson"), "add", "-f", "10:00", "-t", "10:25", "bench", "+support"]

    def add(self, runs: int = 20) -> float:
        return wall(self.argv, env=self.env, runs=runs)


def python_pass(runs: int = 20) -> float:
    return wall([sys.executable, "-c", "pass"], runs=runs)


def print_table(
    rows: Sequence[tuple[str, float]], reference: float, reference_name: str = "watson add"
) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"{'command'.ljust(width)}  median ms  x {reference_name}")
    for name, seconds in rows:
        print(f"{name.ljust(width)}  {seconds * 1000:9.1f}  {seconds / reference:6.2f}")
