"""Mail-in throughput: our full ingest vs mbsync and getmail6 on the same Dovecot mailbox.

    .venv/bin/python bench/ingest.py [--n 1000] [--runs 3] [--port 10243] [--against OTHER/src]

Starts a private Dovecot with ../shared/bench/dovecot-up.sh, fills its INBOX with N
generated support mails (../shared/bench/make-mailbox.py), then in the same run and in
turn times:
  * mbsync (isync) pulling the mailbox into a fresh Maildir,
  * getmail6 downloading it into a fresh Maildir (one run: it is slow),
  * `supportctl fetch` into a fresh database: FETCH, parse, thread, store (tickets,
    messages with raw bytes, attachments as content-addressed blobs),
and reports wall time, messages per second and peak RSS (each tool's own maxrss),
medians over --runs, the three run in turn (A B C A B C …). Then the no-new-mail case: `supportctl fetch` with everything
already stored against `supportctl customer list`.

With --against, `supportctl fetch` also runs with another checkout's sources first on
the path (say the code before a change) in the same alternation, so that the two are
compared in one run on a busy machine.

Targets (issue 3): ours <= 3x mbsync, getmail6/ours >= 8, peak RSS <= 120 MB and flat
in N, a no-new-mail fetch <= 2x `customer list`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, compile_sources, interleaved, tool

SHARED = REPO.parent / "shared" / "bench"
MEASURE = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
elapsed = time.perf_counter() - start
if done.returncode != 0:
    sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
    sys.exit(done.returncode)
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def measure(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run of argv, measured by a separate parent."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *argv],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"{argv[0]} failed: {done.stderr.strip()[-300:]}", flush=True)
        return float("nan"), float("nan")
    seconds, rss_kb = done.stdout.split()
    return float(seconds), int(rss_kb) / 1024


def start_dovecot(root: Path, port: int) -> None:
    log = root / "up.log"
    with log.open("wb") as fh:  # dovecot keeps inherited descriptors: never a pipe
        subprocess.run(
            ["bash", str(SHARED / "dovecot-up.sh"), str(root / "dovecot"), str(port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=True,
        )


def stop_dovecot(root: Path) -> None:
    with (root / "down.log").open("wb") as fh:
        subprocess.run(
            ["bash", str(SHARED / "dovecot-down.sh"), str(root / "dovecot")],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def fill(root: Path, n: int, port: int) -> None:
    with (root / "fill.log").open("wb") as fh:
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "make-mailbox.py"),
                str(n),
                str(root / "dovecot"),
                "--clear",
                "--index",
                "--port",
                str(port),
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
            check=True,
        )


def mbsync_run(root: Path, port: int, fsync: bool = True) -> tuple[float, float]:
    target = root / "mbsync-maildir"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    state = root / "mbsync-state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir()
    conf = root / "mbsyncrc"
    conf.write_text(
        ("" if fsync else "FSync no\n\n")
        + f"""IMAPAccount bench
Host 127.0.0.1
Port {port}
User support
Pass secret
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path {target}/
Inbox {target}/INBOX

Channel pull
Far :remote:
Near :local:
Patterns INBOX
Sync Pull New
Create Near
SyncState {state}/
"""
    )
    return measure(["mbsync", "-q", "-c", str(conf), "pull"])


def getmail_run(root: Path, port: int) -> tuple[float, float]:
    target = root / "getmail-maildir"
    shutil.rmtree(target, ignore_errors=True)
    for sub in ("cur", "new", "tmp"):
        (target / sub).mkdir(parents=True)
    gdir = root / "getmail-dir"
    shutil.rmtree(gdir, ignore_errors=True)
    gdir.mkdir()
    argv = ["getmail", "--rcfile", str(gdir / "getmailrc"), "--getmaildir", str(gdir)]
    if os.getuid() == 0:
        # getmail refuses to deliver as root; run it as nobody, as a user would run it
        for path in (target, target / "cur", target / "new", target / "tmp", gdir):
            shutil.chown(path, "nobody", "nogroup")
        argv = ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", *argv]
    conf = gdir / "getmailrc"
    conf.write_text(
        f"""[retriever]
type = SimpleIMAPRetriever
server = 127.0.0.1
port = {port}
username = support
password = secret
mailboxes = ("INBOX",)

[destination]
type = Maildir
path = {target}/

[options]
read_all = true
delete = false
verbose = 0
"""
    )
    if os.getuid() == 0:
        shutil.chown(conf, "nobody", "nogroup")
    return measure(argv)


def ours_workspace(
    root: Path, port: int, name: str, db: str | None = None, src: Path | None = None
) -> dict[str, str]:
    """A fresh desk reading the bench mailbox: a SQLite file in its folder, or `db`;
    with `src`, run by that checkout's sources."""
    ws = root / name
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir()
    env = {
        **({"PYTHONPATH": str(src.resolve())} if src is not None else {}),
        "SUPPORTCTL_DB": db or str(ws / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(ws / "config.toml"),
        "BENCH_IMAP_PASSWORD": "secret",
        "NO_COLOR": "1",
    }
    subprocess.run(
        [tool("supportctl"), "init", "--user", "bench"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    config = ws / "config.toml"
    config.write_text(
        config.read_text().split("# # One [[imap]]")[0]
        + f'\n[[imap]]\nname = "bench"\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n'
        + 'user = "support"\npassword_env = "BENCH_IMAP_PASSWORD"\n'
    )
    subprocess.run(
        [
            tool("supportctl"),
            "customer",
            "add",
            "acme",
            "--name",
            "Acme",
            "--plan",
            "maintenance",
            "--domain",
            "acme.fi",
        ],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    return env


def ours_run(root: Path, port: int, src: Path | None = None) -> tuple[float, float, dict[str, str]]:
    env = ours_workspace(root, port, "ours" if src is None else "against", src=src)
    seconds, rss = measure([tool("supportctl"), "fetch"], env)
    return seconds, rss, env


def _median_max(results: list[tuple[float, float]]) -> tuple[float, float]:
    """Median wall time and the largest peak RSS of a tool's runs."""
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=10243)
    parser.add_argument("--skip-getmail", action="store_true", help="getmail6 takes ~24x mbsync")
    parser.add_argument("--against", type=Path, help="another checkout's src directory")
    args = parser.parse_args()
    compile_sources()
    if args.against is not None:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(args.against)], check=True)
    root = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    os.chmod(root, 0o755)
    try:
        start_dovecot(root, args.port)
        fill(root, args.n, args.port)
        size_mb = (
            sum(
                p.stat().st_size
                for p in (root / "dovecot" / "mail").rglob("*")
                if p.is_file() and ",S=" in p.name
            )
            / 1e6
        )
        print(
            f"mailbox: {args.n} messages, {size_mb:.0f} MB; {args.runs} runs each, medians",
            flush=True,
        )
        # In turn (mbsync, mbsync without fsync, ours; again …), so that a busy moment
        # of a shared machine falls on all three alike.
        runs: dict[str, list[tuple[float, float]]] = {"mb": [], "mbf": [], "ours": [], "vs": []}
        env: dict[str, str] = {}
        for _round in range(args.runs):
            runs["mb"].append(mbsync_run(root, args.port, True))
            runs["mbf"].append(mbsync_run(root, args.port, False))
            seconds, rss, env = ours_run(root, args.port)
            runs["ours"].append((seconds, rss))
            if args.against is not None:
                seconds, rss, _env = ours_run(root, args.port, args.against)
                runs["vs"].append((seconds, rss))
        mb_wall, mb_rss = _median_max(runs["mb"])
        mbf_wall, mbf_rss = _median_max(runs["mbf"])
        ours_wall, ours_rss = _median_max(runs["ours"])
        print(
            f"  mbsync {mb_wall:.2f} s, mbsync FSync no {mbf_wall:.2f} s, "
            f"ours {ours_wall:.2f} s, {ours_rss:.1f} MB",
            flush=True,
        )
        if args.skip_getmail:
            gm_wall = gm_rss = float("nan")
        else:
            gm_wall, gm_rss = getmail_run(root, args.port)
        rows = [
            ("mbsync", mb_wall, mb_rss),
            ("mbsync FSync no", mbf_wall, mbf_rss),
            ("supportctl fetch", ours_wall, ours_rss),
            ("getmail6", gm_wall, gm_rss),
        ]
        print(f"{'tool':<20}{'wall s':>9}{'msgs/s':>9}{'peak RSS MB':>13}")
        for name, seconds, rss in rows:
            print(f"{name:<20}{seconds:>9.2f}{args.n / seconds:>9.0f}{rss:>13.1f}")
        print(f"ours / mbsync   = {ours_wall / mb_wall:.2f}  (target <= 3)")
        if args.against is not None:
            vs_wall, vs_rss = _median_max(runs["vs"])
            print(
                f"against {args.against}: {vs_wall:.2f} s, {vs_rss:.1f} MB; "
                f"/ mbsync = {vs_wall / mb_wall:.2f}; ours / against = {ours_wall / vs_wall:.2f}"
            )
        print(f"ours / mbsync without fsync = {ours_wall / mbf_wall:.2f}")
        print(f"getmail6 / ours = {gm_wall / ours_wall:.2f}  (target >= 8)")
        print(f"peak RSS ours   = {ours_rss:.1f} MB  (target <= 120)")
        medians = interleaved(
            [
                ("fetch", [tool("supportctl"), "fetch"], env),
                ("customer list", [tool("supportctl"), "customer", "list"], env),
            ],
            runs=15,
        )
        idle, listing = medians["fetch"], medians["customer list"]
        print(
            f"no-new-mail fetch {idle * 1000:.0f} ms vs customer list {listing * 1000:.0f} ms: ratio {idle / listing:.2f}  (target <= 2)"
        )
    finally:
        stop_dovecot(root)
        time.sleep(0.5)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
