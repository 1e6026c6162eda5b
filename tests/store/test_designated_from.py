"""Through the real import planner (read-only) on a real database: no generated From
whose real addr-spec differs from a designated contact's address is ever taken for that
contact, and no such mail is authenticated for the contact's domain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportctl.config import load_config
from supportctl.services import importing

CONTACT = "matti@acme.fi"


@pytest.fixture
def planner(cli: Any, initialized: Path) -> Any:
    config_path = initialized / "config.toml"
    text = config_path.read_text()
    text = text.replace('authserv_id = ""', 'authserv_id = "mx.agency.example"')
    config_path.write_text(text)
    cli.ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "adhoc", "--domain", "acme.fi")
    cli.ok("contact", "add", "acme", CONTACT, "--can-order")
    from supportctl.store.db import open_store

    store = open_store(initialized / "supportctl.db")
    config = load_config(config_path)
    assert config.agency.authserv_id == "mx.agency.example"
    lookups = importing.Lookups.load(store, config)
    yield store, lookups
    store.close()


_LOCAL = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,8}", fullmatch=True)
_DOMAIN = st.from_regex(r"[a-z0-9]{1,6}\.(fi|example)", fullmatch=True)
_ADDR = st.builds(lambda a, b: f"{a}@{b}", _LOCAL, _DOMAIN)
_NAME = st.lists(
    st.one_of(
        st.just(CONTACT),
        st.just(f"<{CONTACT}>"),
        st.sampled_from(['"', "(", ")", "<", ">", ",", ";", ":", "@", " ", "=?utf-8?q?", "?="]),
        st.text(alphabet="abcMä .-", max_size=6),
    ),
    max_size=5,
).map("".join)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(real=_ADDR, name=_NAME, form=st.integers(0, 4))
def test_a_crafted_from_is_never_the_designated_contact(
    planner: Any, real: str, name: str, form: int
) -> None:
    store, lookups = planner
    if real == CONTACT:
        return
    value = [
        f"{name} <{real}>",
        f'"{name}" <{real}>',
        f"{real} ({name})",
        f"{name}<{real}>",
        f"{real}, {name}",
    ][form]
    # The attacker's own mail server genuinely authenticates the attacker's domain, and
    # a forged header claims acme.fi below it (ignored: only the first trusted one counts).
    raw = (
        f"Authentication-Results: mx.agency.example; dmarc=pass header.from={real.split('@')[1]}\n"
        f"Authentication-Results: mx.agency.example; dmarc=pass header.from=acme.fi\n"
        f"From: {value}\nTo: support@agency.example\nSubject: Bill us\n"
        f"Message-ID: <x@{real.split('@')[1]}>\n\nPlease do it.\n"
    ).encode()
    from datetime import UTC, datetime

    plan = importing.plan_message(
        store, lookups, importing.RawMail(raw=raw), now=datetime(2026, 10, 14, tzinfo=UTC)
    )
    assert not plan.is_designated
    assert plan.needs_approval
