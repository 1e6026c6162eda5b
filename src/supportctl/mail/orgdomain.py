"""Organisational domains (the Public Suffix List) for DMARC-style relaxed alignment.

The list is the snapshot bundled with the `publicsuffixlist` package: nothing is
fetched at run time. It is loaded on the first question (about 40 ms), which only an
authentication check of a DKIM or SPF result for a domain other than the From domain
itself asks.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _list() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def organisational_domain(domain: str) -> str | None:
    """`mail.acme.co.uk` -> `acme.co.uk`; None for a public suffix itself or no domain."""
    name = domain.strip().strip(".").lower()
    if not name:
        return None
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    result = _list().privatesuffix(name)
    return str(result) if result else None
