"""The one e-mail address rule (`domain.address`) and every place that uses it.

Before, four checks disagreed: `services/validate.email` (contacts, team; a regex with
ASCII domains only), `config_spec._email` (config files: anything with an @ and a dot),
`mailadmin._ADDRESS` (block patterns: anything with an @ and a dot, commas too) and
`outbound._addresses` (`reply --cc`: anything with an @ inside). The table gives the
cases where they used to disagree and what the one rule says now.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl import config_spec
from supportctl.domain import address
from supportctl.errors import InputError
from supportctl.services import mailadmin, validate
from supportctl.services.outbound import replies

# value, accepted now; old verdicts as (validate, config, block, --cc)
DISAGREED = [
    ("päivi@pöytä.fi", True),  # old: no, yes, yes, yes — IDN domain, UTF-8 local part
    ("jiri@kovošrot.cz", True),  # old: no, yes, yes, yes
    ("a..b@acme.fi", False),  # old: yes, yes, yes, yes — not a dot-atom
    (".a@acme.fi", False),  # old: yes, yes, yes, yes
    ("a.@acme.fi", False),  # old: yes, yes, yes, yes
    ("a,b@acme.fi", False),  # old: no, yes, yes, (split in two)
    ("a[b]@acme.fi", False),  # old: yes, yes, yes, yes
    ('"a b"@acme.fi', False),  # old: no, no, no, yes (quoted local part)
    ("a@-acme.fi", False),  # old: no, yes, yes, yes — label starts with a hyphen
    ("a@acme_oy.fi", False),  # old: no, yes, yes, yes — underscore in a host name
    ("a@acme", False),  # old: no, no, no, yes — no dot in the domain
    ("a@acme..fi", False),  # old: no, no, yes, yes — empty label
    ("a@[192.0.2.1]", False),  # old: no, no, yes, yes — address literal
    ("a@192.0.2.1", False),  # old: yes, yes, yes, yes — a number, not a host name
    ("a@acme.fi\u200b", False),  # old: no, yes, yes, yes — invisible character
    ("x@xn--pyt-0la8l.fi", True),  # old: yes, yes, yes, yes — IDN as A-labels
    ("Matti.Virtanen+tuki@Acme.FI", True),  # old: yes everywhere; domain lower-cased
]


@pytest.mark.parametrize(("value", "accepted"), DISAGREED)
def test_every_caller_gives_the_one_verdict(value: str, accepted: bool) -> None:
    assert address.is_address(value) is accepted
    verdicts = []
    for check in (
        validate.email,
        config_spec._email,
        mailadmin.normalise_pattern,
        lambda v: replies._addresses([v], "--cc"),
    ):
        try:
            check(value)
        except (InputError, ValueError):
            verdicts.append(False)
        else:
            verdicts.append(True)
    assert verdicts == [accepted] * 4, verdicts


def test_normal_form_and_reasons() -> None:
    assert address.parse("  Matti.Virtanen+tuki@Acme.FI ") == "Matti.Virtanen+tuki@acme.fi"
    assert address.parse("päivi@PÖYTÄ.fi") == "päivi@pöytä.fi"
    with pytest.raises(ValueError, match="needs a dot"):
        address.parse("a@acme")
    with pytest.raises(ValueError, match="dot-atom"):
        address.parse("Matti<m@acme.fi>")
    with pytest.raises(InputError, match="is not a valid e-mail address: no local part"):
        validate.email("@acme.fi")
    assert replies._addresses(["a@acme.fi, Liisa <liisa@acme.fi>"], "--cc") == (
        "a@acme.fi",
        "liisa@acme.fi",
    )


ATEXT = string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~"
atoms = st.text(alphabet=ATEXT, min_size=1, max_size=12)
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
tlds = st.from_regex(r"[a-z][a-z0-9]{1,5}", fullmatch=True)


@given(st.lists(atoms, min_size=1, max_size=3), st.lists(labels, min_size=1, max_size=3), tlds)
def test_well_formed_addresses_are_accepted_unchanged(
    local: list[str], domain: list[str], tld: str
) -> None:
    value = ".".join(local) + "@" + ".".join([*domain, tld])
    assert address.parse(value) == value
    # the standard library reads it back as the same one address
    from email.utils import getaddresses

    assert getaddresses([value]) == [("", value)]


@given(st.text(max_size=60))
def test_any_text_is_an_address_or_a_value_error_and_accepted_is_a_fixed_point(
    text: str,
) -> None:
    try:
        parsed = address.parse(text)
    except ValueError:
        return
    assert address.parse(parsed) == parsed
    local, _, domain = parsed.rpartition("@")
    assert local and "." in domain and parsed.isprintable() and " " not in parsed


# Before, a customer's domain (`validate.domain`: ASCII only, a letters-only top label)
# and an `@domain` block pattern (`mailadmin`: any letters, digits and hyphens) had
# their own checks; both now take the domain half of the address rule.
DOMAINS = [
    ("acme.fi", "acme.fi"),
    ("ACME.fi", "acme.fi"),
    ("pöytä.fi", "pöytä.fi"),  # old: refused as a customer domain, refused as a pattern
    ("xn--pyt-0la8l.fi", "xn--pyt-0la8l.fi"),
    ("kovošrot.cz", "kovošrot.cz"),
    ("-acme.fi", None),  # old: refused as a customer domain, accepted as a pattern
    ("acme-.fi", None),  # old: idem
    ("acme", None),
    ("acme..fi", None),
    ("192.0.2.1", None),
    ("acme_oy.fi", None),
    ("acme.fi\u200b", None),
]


@pytest.mark.parametrize(("value", "normal"), DOMAINS)
def test_customer_domains_and_block_patterns_take_the_one_domain_rule(
    value: str, normal: str | None
) -> None:
    if normal is None:
        with pytest.raises(ValueError):
            address.parse_domain(value)
        with pytest.raises(InputError, match="is not a valid mail domain"):
            validate.domain(value)
        with pytest.raises(InputError, match="neither an address nor @domain"):
            mailadmin.normalise_pattern("@" + value)
    else:
        assert address.parse_domain(value) == normal
        assert validate.domain(value) == normal
        assert validate.domain("@" + value) == normal
        assert mailadmin.normalise_pattern("@" + value) == "@" + normal
