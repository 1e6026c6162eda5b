"""`supportctl demo`: a complete, throw-away workspace that shows the product working.

The demo is a list of steps; each capability appends its own step, so the demo always
walks through everything the product can do. Every step goes through the same services
the commands use: the demo is also an end-to-end smoke test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from supportctl.config import Config, load_config
from supportctl.services import customers, team
from supportctl.services.customers import CustomerInput
from supportctl.services.setup import init
from supportctl.store.db import Store, open_store

DEMO_AGENCY = {
    "name": "Koodiverstas Oy",
    "address": "Hämeenkatu 12 A\n33100 Tampere\nFinland",
    "vat_id": "FI12345678",
    "bank": "IBAN FI21 1234 5600 0007 85, BIC NDEAFIHH, Nordea",
    "support_address": "tuki@koodiverstas.example",
    "mail_domain": "koodiverstas.example",
    "ticket_tag_prefix": "KV",
}


@dataclass
class DemoWorkspace:
    directory: Path
    config_path: Path
    db_path: Path
    config: Config
    store: Store
    now: datetime
    actor: str = "alice"
    lines: list[str] = field(default_factory=list)
    shows: list[tuple[str, list[str]]] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)


Step = Callable[[DemoWorkspace], None]
# Commands printed at the end for the user to try; steps append theirs.
LOOK_AROUND: list[str] = [
    "supportctl customer list",
    "supportctl customer show acme",
    "supportctl team list",
]
STEPS: list[Step] = []
step = STEPS.append


@step
def agency_customers_team(ws: DemoWorkspace) -> None:
    """Three customers, their contacts and four developers."""
    made = [
        customers.add(
            ws.store,
            ws.config,
            slug="acme",
            now=ws.now,
            actor=ws.actor,
            data=CustomerInput(
                name="Acme Oy",
                plan="maintenance",
                level="premium",
                rate="75.00",
                included_minutes=600,
                domains=("acme.fi",),
                reaction="15m",
                address="Satamakatu 3\n00160 Helsinki\nFinland",
                vat_id="FI87654321",
            ),
        ),
        customers.add(
            ws.store,
            ws.config,
            slug="kovo",
            now=ws.now,
            actor=ws.actor,
            data=CustomerInput(
                name="Kovošrot Žďár s.r.o.",
                plan="hosting",
                level="standard",
                rate="1500.00",
                currency="CZK",
                vat="21",
                domains=("kovosrot.cz",),
                address="Průmyslová 8\n591 01 Žďár nad Sázavou\nCzech Republic",
                vat_id="CZ12345678",
            ),
        ),
        customers.add(
            ws.store,
            ws.config,
            slug="pixel",
            now=ws.now,
            actor=ws.actor,
            data=CustomerInput(
                name="Pixel Studio",
                plan="adhoc",
                level="light",
                rate="90.00",
                locale="en",
                domains=("pixelstudio.example",),
                address="1 Harbour Street\nTallinn\nEstonia",
                country="EE",
            ),
        ),
    ]
    contacts = [
        ("acme", "matti.virtanen@acme.fi", "Matti Virtanen", True),
        ("acme", "liisa.korhonen@acme.fi", "Liisa Korhonen", False),
        ("kovo", "jiri.novak@kovosrot.cz", "Jiří Novák", True),
        ("kovo", "petra.dvorakova@kovosrot.cz", "Petra Dvořáková", False),
        ("pixel", "sam@pixelstudio.example", "Sam Taylor", True),
    ]
    for slug, email, name, can_order in contacts:
        customers.add_contact(
            ws.store,
            slug=slug,
            email=email,
            name=name,
            can_order=can_order,
            now=ws.now,
            actor=ws.actor,
        )
    people = [
        (
            "alice",
            "Alice Mäkinen",
            "alice@koodiverstas.example",
            ["wordpress:5", "php:4", "css:3"],
            [],
        ),
        ("bob", "Bob Lindqvist", "bob@koodiverstas.example", ["dns:5", "linux:4", "mail:4"], []),
        (
            "carol",
            "Carol Nieminen",
            "carol@koodiverstas.example",
            ["css:5", "wordpress:3", "javascript:4"],
            [],
        ),
        ("dave", "Dave Svoboda", "dave@koodiverstas.example", ["linux:5", "dns:3", "php:3"], []),
    ]
    for handle, name, email, skills, away in people:
        team.add(
            ws.store,
            handle=handle,
            name=name,
            email=email,
            skills=skills,
            away=away,
            now=ws.now,
            actor=None,
        )
    ws.say(f"customers: {', '.join(f'{c.slug} ({c.plan}, {c.level})' for c in made)}")
    ws.say(
        f"contacts:  {len(contacts)} ({sum(1 for c in contacts if c[3])} designated, may order billable work)"
    )
    ws.say(f"team:      {', '.join(p[0] for p in people)}")


def build(directory: Path, now: datetime) -> DemoWorkspace:
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "config.toml"
    db_path = directory / "supportctl.db"
    if db_path.exists() or config_path.exists():
        from supportctl.errors import InputError

        raise InputError(f"{directory} already holds a workspace; give an empty --dir")
    init(config_path, db_path, user="alice", agency=DEMO_AGENCY)
    store = open_store(db_path)
    ws = DemoWorkspace(directory, config_path, db_path, load_config(config_path), store, now)
    try:
        for run in STEPS:
            run(ws)
    finally:
        store.close()
    return ws
