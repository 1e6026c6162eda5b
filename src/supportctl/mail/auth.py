"""Authentication-Results (RFC 8601) from our own receiving server only.

A sender can write any Authentication-Results header it likes; only the ones added by
the server we trust (the account's `authserv_id`) count. The first such header is the
one our server added last-hop; within it the first result per method is taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

METHODS = ("dmarc", "dkim", "spf")


@dataclass(frozen=True)
class AuthResults:
    dmarc: str | None = None
    dkim: str | None = None
    spf: str | None = None
    authserv_id: str | None = None

    @property
    def failed(self) -> bool:
        """DMARC says the From domain was forged."""
        return self.dmarc in ("fail", "permerror")

    def summary(self) -> str:
        if self.authserv_id is None:
            return "no Authentication-Results from a trusted server"
        return f"dmarc={self.dmarc or '-'} dkim={self.dkim or '-'} spf={self.spf or '-'} (by {self.authserv_id})"


def _strip_comments(text: str) -> str:
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def parse_results(values: Sequence[str], trusted: Iterable[str | None]) -> AuthResults:
    """Results from the first header whose authserv-id is one of `trusted`."""
    trusted_ids = {t.strip().lower() for t in trusted if t}
    if not trusted_ids:
        return AuthResults()
    for value in values:
        text = _strip_comments(value)
        head, _sep, rest = text.partition(";")
        serv = head.strip().split()[0].lower() if head.strip() else ""
        if serv not in trusted_ids:
            continue
        found: dict[str, str] = {}
        for clause in rest.split(";"):
            tokens = clause.strip().split()
            if not tokens or "=" not in tokens[0]:
                continue
            method, _eq, result = tokens[0].partition("=")
            method = method.strip().lower()
            if method in METHODS and method not in found:
                found[method] = result.strip().lower()
        return AuthResults(
            dmarc=found.get("dmarc"), dkim=found.get("dkim"), spf=found.get("spf"), authserv_id=serv
        )
    return AuthResults()
