"""Leaving the process (`cli._leave`): quick when nothing is pending, the normal way
otherwise; the standard streams are always flushed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Buffered standard streams, as a shell gives them (some environments unbuffer them).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env=ENV,
    )


def test_quick_exit_flushes_both_streams_and_keeps_the_code(tmp_path: Path) -> None:
    done = _run(
        "import sys\n"
        "from supportctl.cli import _leave\n"
        "sys.stdout.write('out ' * 5000)\n"
        "sys.stderr.write('err')\n"
        "_leave(3)\n",
        tmp_path,
    )
    assert done.returncode == 3
    assert done.stdout == "out " * 5000
    assert done.stderr == "err"


@pytest.mark.parametrize(
    ("setup", "marker"),
    [
        (  # a thread still working is waited for
            "import threading, time, pathlib\n"
            "def late():\n"
            "    time.sleep(0.3); pathlib.Path('marker').write_text('thread')\n"
            "threading.Thread(target=late).start()\n",
            "thread",
        ),
        (  # exit handlers run
            "import atexit, pathlib\n"
            "atexit.register(lambda: pathlib.Path('marker').write_text('atexit'))\n",
            "atexit",
        ),
    ],
)
def test_pending_work_takes_the_normal_way_out(tmp_path: Path, setup: str, marker: str) -> None:
    done = _run(setup + "from supportctl.cli import _leave\n_leave(0)\n", tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "marker").read_text() == marker


def test_a_message_instead_of_a_code_is_printed_with_exit_1(tmp_path: Path) -> None:
    done = _run("from supportctl.cli import _leave\n_leave('cannot go on')\n", tmp_path)
    assert (done.returncode, done.stderr.strip()) == (1, "cannot go on")


def test_a_closed_pipe_ends_quietly_with_exit_1(tmp_path: Path) -> None:
    """`supportctl … | head -1`: the reader is gone when the output is flushed."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom supportctl.cli import _leave\n"
            "sys.stdout.write('unread output')\n"  # still in the buffer
            "sys.stdin.read(1)\n"  # until the reader has gone
            "_leave(0)\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=ENV,
    )
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    child.stdout.close()
    child.stdin.write(b"g")
    child.stdin.close()
    err = child.stderr.read()
    assert child.wait(timeout=60) == 1
    assert err == b""


def test_quick_exit_runs_the_exit_handlers_first(tmp_path: Path) -> None:
    """The logging module registers an exit handler (the database driver loads it): it
    is run, buffered records reach their file, and the teardown is still skipped."""
    done = _run(
        "import logging, logging.handlers, pathlib\n"
        "target = logging.FileHandler('log.txt')\n"
        "logging.getLogger().addHandler(logging.handlers.MemoryHandler(100, target=target))\n"
        "logging.warning('kept')\n"
        "class Teardown:\n"
        "    def __del__(self):\n"
        "        pathlib.Path('marker').write_text('teardown')\n"
        "keep = Teardown()\n"
        "from supportctl.cli import _leave\n"
        "_leave(0)\n",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "log.txt").read_text() == "kept\n"
    assert not (tmp_path / "marker").exists()
