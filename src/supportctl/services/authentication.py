"""The authentication verdict of a message: one rule (`domain.auth`), the same inputs
wherever it is asked: at import, in `fetch --explain`, `ticket approve --message` and
`ticket show`.

The trusted servers are the configured `authserv_id`s: for mail fetched over IMAP the
ids of the accounts it was found in, for mail from a file (and for `--explain`) every
configured one, including `[agency] authserv_id`.

The rule itself is imported when a verdict is asked for: `inbox` only asks whether any
server is trusted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.domain.auth import Verdict
    from supportctl.store.db import Store

NOT_CONFIGURED = (
    "no authserv_id is configured: no mail is authenticated, so every request waits for "
    "approval (see README, Mail in)"
)


def trusted_ids(config: Config, accounts: Iterable[str] | None = None) -> tuple[str, ...]:
    """The authserv_ids to trust: of the named IMAP accounts; for mail not fetched over
    IMAP (None / no account named) every account's and `[agency] authserv_id`."""
    imap = list(getattr(config, "imap", []))
    names = set(accounts or ())
    if names:
        return tuple(a.authserv_id for a in imap if a.name in names and a.authserv_id)
    ids = [a.authserv_id for a in imap if a.authserv_id]
    if config.agency.authserv_id.strip():
        ids.append(config.agency.authserv_id.strip())
    return tuple(dict.fromkeys(ids))


def is_configured(config: Config) -> bool:
    return bool(trusted_ids(config))


def verdict(
    results: Sequence[str], *, from_addr: str, from_problem: str, trusted: Iterable[str]
) -> Verdict:
    from supportctl.domain.auth import authenticate
    from supportctl.mail.orgdomain import organisational_domain

    return authenticate(
        results,
        from_addr=from_addr,
        from_problem=from_problem,
        trusted=trusted,
        org_domain=organisational_domain,
    )


def verdict_of_raw(raw: bytes, trusted: Iterable[str]) -> Verdict:
    """The verdict of stored raw mail (its header block only is read)."""
    trusted = tuple(trusted)
    if not any(t.strip() for t in trusted):
        # Nothing is trusted, so nothing in the mail can change the verdict: the mail
        # parser is neither loaded nor run (ticket show on a desk without authserv_id).
        return verdict((), from_addr="", from_problem="", trusted=())
    from supportctl.mail.parse import decode_header_value, headers_all, split_entity
    from supportctl.mail.sender import check_from

    msg, _body = split_entity(raw)
    results = [decode_header_value(v) for v in headers_all(msg, "Authentication-Results")]
    check = check_from(headers_all(msg, "From"))
    return verdict(results, from_addr=check.addr, from_problem=check.problem, trusted=trusted)


def verdicts_of_stored(store: Store, config: Config, row_ids: list[int]) -> dict[int, Verdict]:
    """`verdict_of_stored` of several messages, in two reads sent together (not two a
    message)."""
    from supportctl.store import messages as message_store

    raws = message_store.raws_later(store, row_ids)
    accounts = message_store.accounts_later(store, row_ids)
    return verdicts_of_raws(config, row_ids, raws(), accounts())


def verdicts_of_raws(
    config: Config, row_ids: list[int], raw_of: dict[int, bytes], accounts_of: dict[int, list[str]]
) -> dict[int, Verdict]:
    """`verdicts_of_stored` of messages whose raw mail and accounts were read already."""
    out: dict[int, Verdict] = {}
    for row_id in row_ids:
        raw = raw_of.get(row_id)
        if raw is None:
            from supportctl.domain.auth import Verdict

            out[row_id] = Verdict(False, "no such message")
        else:
            out[row_id] = verdict_of_raw(raw, trusted_ids(config, accounts_of.get(row_id, [])))
    return out


def verdict_of_stored(store: Store, config: Config, row_id: int) -> Verdict:
    """The verdict of a stored message, with the trusted ids of where it was fetched."""
    from supportctl.store import messages as message_store

    row = message_store.get(store, row_id)
    if row is None:
        from supportctl.domain.auth import Verdict

        return Verdict(False, "no such message")
    accounts = message_store.accounts_of(store, row_id)
    return verdict_of_raw(message_store.raw_bytes(row), trusted_ids(config, accounts))
