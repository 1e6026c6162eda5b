"""Is a message authenticated for its From address? The one rule (DESIGN §2).

Only a result written by a receiving server we trust counts: a sender can add any
`Authentication-Results` header it likes. The rule:

- the header must come from a configured trusted `authserv_id` (the first field of the
  header, compared exactly, case-insensitively); the first trusted header wins and
  every untrusted one is ignored; with no trusted id configured nothing is
  authenticated;
- the From header must be exactly one mailbox (see `mail.sender`);
- then either `dmarc=pass` with `header.from` equal to the From domain, or, when DMARC
  gave no verdict (`none`, `temperror` or no dmarc result at all), a `dkim=pass` whose
  `header.d` aligns with the From domain, or an `spf=pass` whose `smtp.mailfrom` domain
  aligns with it. Alignment is relaxed: the same organisational domain (Public Suffix
  List). The caller passes the organisational-domain function, so this module stays
  free of I/O.

Anything else is unauthenticated. The header is read with a parser for RFC 8601's
grammar (comments, quoted strings, reason and property specs), not by substring search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

OrgDomain = Callable[[str], str | None]

NO_DMARC_VERDICT = frozenset({"none", "temperror"})


@dataclass(frozen=True)
class MethodResult:
    """One resinfo: `method=result reason=… ptype.property=value …`."""

    method: str
    result: str
    reason: str = ""
    props: dict[str, str] = field(default_factory=dict)  # "header.d" -> "example.com"


@dataclass(frozen=True)
class ResultsHeader:
    authserv_id: str
    results: tuple[MethodResult, ...]


# --- RFC 8601 parsing -----------------------------------------------------------------

# Characters that end a bare word. '.' and '@' stay inside words: `header.d`,
# `user@example.com` and `example.com` are each one word, split afterwards.
_SPECIALS = frozenset(';=/"()\\')


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) tokens; kinds: `;`, `=`, `/`, `word`, `quoted`. Comments and folding
    white space are dropped; a word glued to a quoted string (`"a b"@x`) is marked `+`."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    glued = False
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            glued = False
        elif ch == "(":
            depth = 0
            while i < n:
                c = text[i]
                if c == "\\":
                    i += 2
                    continue
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
            glued = False
        elif ch == ")":  # stray close parenthesis: ignored
            i += 1
            glued = False
        elif ch in ";=/":
            out.append((ch, ch))
            i += 1
            glued = False
        elif ch == '"':
            i += 1
            buf: list[str] = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(text[i])
                i += 1
            i += 1  # the closing quote (or the end)
            out.append(("+quoted" if glued else "quoted", "".join(buf)))
            glued = True
        elif ch == "\\":
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _SPECIALS:
                i += 1
            out.append(("+word" if glued else "word", text[start:i]))
            glued = True
    return out


def _kind(token: tuple[str, str]) -> str:
    return token[0].lstrip("+")


def parse_header(value: str) -> ResultsHeader | None:
    """One Authentication-Results value; None when it has no authserv-id."""
    tokens = _tokens(value)
    if not tokens or _kind(tokens[0]) not in ("word", "quoted"):
        return None
    authserv_id = tokens[0][1].strip()
    if not authserv_id:
        return None
    pos = 1
    if pos < len(tokens) and _kind(tokens[pos]) == "word" and tokens[pos][1].isdigit():
        pos += 1  # authres-version
    results: list[MethodResult] = []
    # Split the rest at ';' into resinfo clauses.
    clauses: list[list[tuple[str, str]]] = []
    for token in tokens[pos:]:
        if token[0] == ";":
            clauses.append([])
        elif clauses:
            clauses[-1].append(token)
    for clause in clauses:
        parsed = _resinfo(clause)
        if parsed is not None:
            results.append(parsed)
    return ResultsHeader(authserv_id, tuple(results))


def _resinfo(clause: list[tuple[str, str]]) -> MethodResult | None:
    # methodspec: method [ "/" version ] "=" result
    if not clause or _kind(clause[0]) != "word":
        return None  # `; none` and empty clauses carry no result
    method = clause[0][1].lower()
    pos = 1
    if pos + 1 < len(clause) and clause[pos][0] == "/":
        pos += 2
    if pos >= len(clause) or clause[pos][0] != "=":
        return None
    pos += 1
    if pos >= len(clause) or _kind(clause[pos]) not in ("word", "quoted"):
        return None
    result = clause[pos][1].lower()
    pos += 1
    reason = ""
    props: dict[str, str] = {}
    while pos < len(clause):
        name_token = clause[pos]
        if _kind(name_token) == "word" and pos + 1 < len(clause) and clause[pos + 1][0] == "=":
            name = name_token[1].lower()
            pos += 2
            value, pos = _pvalue(clause, pos)
            if name == "reason":
                reason = value
            elif "." in name and name not in props:
                props[name] = value
        else:
            pos += 1  # something we do not understand: skipped, never guessed at
    return MethodResult(method, result, reason, props)


def _pvalue(clause: list[tuple[str, str]], pos: int) -> tuple[str, int]:
    """A value or `[local-part]@domain`, where the local part may be a quoted string."""
    parts: list[str] = []
    while pos < len(clause) and _kind(clause[pos]) in ("word", "quoted"):
        if parts and not clause[pos][0].startswith("+"):
            break  # white space ends the value
        parts.append(clause[pos][1])
        pos += 1
    return "".join(parts), pos


# --- the rule -------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    authenticated: bool
    reason: str
    authserv_id: str | None = None
    dmarc: str | None = None  # first result per method in the trusted header (for display)
    dkim: str | None = None
    spf: str | None = None

    def summary(self) -> str:
        if self.authserv_id is None:
            return self.reason
        return (
            f"{self.reason} (dmarc={self.dmarc or '-'} dkim={self.dkim or '-'} "
            f"spf={self.spf or '-'} by {self.authserv_id})"
        )


def domain_of(address: str) -> str:
    """The domain of an address or of a bare domain, lower case, without a final dot."""
    return address.rpartition("@")[2].strip().strip(".").lower()


def aligned(a: str, b: str, org_domain: OrgDomain) -> bool:
    """Relaxed alignment: the same domain, or the same organisational domain."""
    a, b = domain_of(a), domain_of(b)
    if not a or not b:
        return False
    if a == b:
        return True
    org = org_domain(a)
    return org is not None and org == org_domain(b)


def trusted_header(values: Sequence[str], trusted: Iterable[str]) -> ResultsHeader | None:
    """The first header written by a trusted server; untrusted ones are ignored."""
    ids = {t.strip().lower() for t in trusted if t and t.strip()}
    if not ids:
        return None
    for value in values:
        header = parse_header(value)
        if header is not None and header.authserv_id.lower() in ids:
            return header
    return None


def authenticate(
    values: Sequence[str],
    *,
    from_addr: str,
    from_problem: str,
    trusted: Iterable[str],
    org_domain: OrgDomain,
) -> Verdict:
    """The verdict for one message (see the module docstring).

    `values` are its Authentication-Results headers in order (top first), `from_addr`
    the addr-spec of its From, `from_problem` why its From is not exactly one mailbox
    ("" when it is).
    """
    trusted = [t for t in trusted if t and t.strip()]
    if not trusted:
        return Verdict(False, "no authserv_id configured: nothing is authenticated")
    header = trusted_header(values, trusted)
    if header is None:
        return Verdict(False, "no Authentication-Results from a trusted server")
    first: dict[str, MethodResult] = {}
    for r in header.results:
        first.setdefault(r.method, r)
    seen = {m: first[m].result if m in first else None for m in ("dmarc", "dkim", "spf")}

    def verdict(ok: bool, reason: str) -> Verdict:
        return Verdict(ok, reason, header.authserv_id, seen["dmarc"], seen["dkim"], seen["spf"])

    if from_problem:
        return verdict(False, f"From is not one mailbox: {from_problem}")
    from_domain = domain_of(from_addr)
    if not from_domain or "@" not in from_addr:
        return verdict(False, "no From address")
    dmarc = first.get("dmarc")
    if dmarc is not None and dmarc.result == "pass":
        header_from = domain_of(dmarc.props.get("header.from", ""))
        if header_from == from_domain:
            return verdict(True, f"dmarc=pass for {from_domain}")
        return verdict(
            False, f"dmarc=pass for {header_from or 'no header.from'}, not {from_domain}"
        )
    if dmarc is not None and dmarc.result not in NO_DMARC_VERDICT:
        return verdict(False, f"dmarc={dmarc.result}")
    for r in header.results:
        if r.method == "dkim" and r.result == "pass":
            signer = r.props.get("header.d", "")
            if aligned(signer, from_domain, org_domain):
                return verdict(True, f"no DMARC verdict; dkim=pass by {domain_of(signer)}, aligned")
    for r in header.results:
        if r.method == "spf" and r.result == "pass":
            mailfrom = r.props.get("smtp.mailfrom", "")
            if aligned(mailfrom, from_domain, org_domain):
                return verdict(
                    True, f"no DMARC verdict; spf=pass for {domain_of(mailfrom)}, aligned"
                )
    return verdict(False, f"no DMARC verdict and no DKIM or SPF pass aligned with {from_domain}")
