"""Parsing and raw-storage choices, measured: policy.default vs compat32 vs ours; zlib.

    .venv/bin/python bench/parse.py [--maildir DIR] [--runs 5]

Input: every message of the shared corpus (../shared/corpus/mail), and optionally a
Maildir such as the one make-mailbox.py fills (realistic support mail with 10 % big
attachments). Prints medians over --runs of:
  * stdlib `policy.default`: parse, `get_body()` and its content, every header read;
  * stdlib `compat32`: full parse and the payloads of every text part;
  * ours (`mail.parse.parse_message`): header blocks only through the stdlib parser,
    MIME parts split on bytes, attachments hashed, not decoded;
  * zlib level 1 and 6 over the raw bytes: time and the size saved, which is why raw
    mail is stored uncompressed (`raw_codec = 'none'`).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import statistics
import time
import zlib
from pathlib import Path

from supportctl.mail.parse import parse_message

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "mail"


def load(maildir: Path | None) -> dict[str, list[bytes]]:
    sets: dict[str, list[bytes]] = {}
    corpus = [
        p.read_bytes()
        for p in sorted(CORPUS.rglob("*"))
        if p.is_file() and p.name not in ("README.md", "manifest.tsv")
    ]
    if corpus:
        sets["corpus"] = corpus
    if maildir is not None:
        sets["maildir"] = [
            p.read_bytes()
            for sub in ("cur", "new")
            if (maildir / sub).is_dir()
            for p in sorted((maildir / sub).iterdir())
            if p.is_file()
        ]
    return sets


def default_policy(raw: bytes) -> None:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        str(msg.get(name, ""))
    try:
        body = msg.get_body(("plain", "html"))
        if body is not None:
            body.get_content()
    except (LookupError, ValueError, AttributeError, KeyError):
        pass


def compat32(raw: bytes) -> None:
    msg = email.message_from_bytes(raw)
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            part.get_payload(decode=True)


def median_time(fn, raws: list[bytes], runs: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for raw in raws:
            try:
                fn(raw)
            except Exception:  # the stdlib parsers raise on some corpus files; ours must not
                if fn is parse_message:
                    raise
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--maildir", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for name, raws in load(args.maildir).items():
        total = sum(map(len, raws))
        print(f"{name}: {len(raws)} messages, {total / 1e6:.1f} MB")
        ours = median_time(parse_message, raws, args.runs)
        for label, fn in (("policy.default", default_policy), ("compat32", compat32)):
            took = median_time(fn, raws, args.runs)
            print(f"  {label:<16}{took:8.3f} s   {took / ours:5.2f}x ours")
        print(f"  {'ours':<16}{ours:8.3f} s")
        for level in (1, 6):
            start = time.perf_counter()
            packed = sum(len(zlib.compress(raw, level)) for raw in raws)
            took = time.perf_counter() - start
            print(
                f"  zlib level {level}     {took:8.3f} s   saves {100 * (1 - packed / total):4.1f} %"
                f"   ({took / ours:4.2f}x the parse)"
            )


if __name__ == "__main__":
    main()
