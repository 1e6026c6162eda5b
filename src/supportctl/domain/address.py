"""The one rule for an e-mail address a person types (contacts, the team, config, block
patterns, `reply --cc`, `ticket new --from`).

An address is a bare addr-spec, `local@domain`, and it is accepted when:

- the whole is at most 254 characters, with no space or invisible (non-printable)
  character anywhere;
- the local part is an RFC 5322 dot-atom — atext characters (letters, digits and
  ``!#$%&'*+-/=?^_`{|}~``) in dot-separated runs, no leading, trailing or double dot —
  where, as RFC 6531 (SMTPUTF8) allows, any non-ASCII character counts as atext
  (`päivi@pöytä.fi`). The structure is checked by the standard library's parser
  (`email.headerregistry.Address`); quoted local parts (`"a b"@x.fi`), comments,
  display names (`Name <a@x.fi>`) and lists are refused: a person never needs them
  here, and our own matching compares plain addresses;
- the domain is a host name of at least two labels: each label, after IDNA encoding
  (the standard library's `idna` codec, so `pöytä.fi` is fine), is 1–63 letters,
  digits and hyphens, not starting or ending with a hyphen; the last label is not all
  digits; no address literals (`[192.0.2.1]`).

A mail domain on its own (a customer's domain, an `@domain` block pattern) follows the
domain half of the same rule (`parse_domain`).

The accepted address is returned with surrounding space removed and the domain in
lower case (the local part keeps its case; a Unicode domain stays Unicode).
"""

from __future__ import annotations

import re

MAX_LENGTH = 254
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def parse(text: str) -> str:
    """The address, normalised; ValueError naming what is wrong otherwise."""
    from email.errors import HeaderParseError
    from email.headerregistry import Address

    value = text.strip()
    if not value:
        raise ValueError("empty")
    if len(value) > MAX_LENGTH:
        raise ValueError(f"longer than {MAX_LENGTH} characters")
    if not value.isprintable() or any(c.isspace() for c in value):
        raise ValueError("it contains spaces or invisible characters")
    local, at, domain = value.rpartition("@")
    if not at or not local:
        raise ValueError("no local part before an @")
    if not domain:
        raise ValueError("no domain after the @")
    # RFC 6531: a non-ASCII character may stand wherever atext may. The standard
    # parser knows RFC 5322 only, so it checks the shape with a letter in its place.
    shape = "".join(c if c.isascii() else "a" for c in local)
    try:
        parsed = Address(addr_spec=f"{shape}@example.org")
    except (HeaderParseError, ValueError, IndexError, TypeError):
        raise ValueError("the local part is not a dot-atom") from None
    if parsed.addr_spec != f"{shape}@example.org" or shape.startswith('"'):
        raise ValueError("the local part is not a dot-atom")
    return f"{local}@{parse_domain(domain)}"


def parse_domain(domain: str) -> str:
    """A mail domain by the rule above (customer domains, `@domain` block patterns);
    returned in lower case. ValueError naming what is wrong otherwise."""
    if not domain:
        raise ValueError("empty")
    if not domain.isprintable() or any(c.isspace() for c in domain):
        raise ValueError("it contains spaces or invisible characters")
    if domain.startswith("["):
        raise ValueError("an address literal, not a domain")
    labels = domain.lower().split(".")
    if len(labels) < 2:
        raise ValueError("the domain needs a dot (name.tld)")
    for label in labels:
        try:
            ascii_label = label.encode("idna").decode("ascii") if label else ""
        except UnicodeError:
            raise ValueError(f"the domain label '{label}' is not a host name") from None
        if not _LDH_LABEL.fullmatch(ascii_label):
            raise ValueError(f"the domain label '{label}' is not a host name")
    if labels[-1].isdigit():
        raise ValueError("the domain ends in a number")
    return domain.lower()


def is_address(text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True
