"""`supportctl demo`: a complete, throw-away workspace that shows the product working.

The demo is a list of steps (`STEPS`, in order at the end of this module); each
capability adds its own, so the demo always walks through everything the product can
do. Every step goes through the same services the commands use, so the demo is also an
end-to-end smoke test. What it shows at the end are real commands (`Show.argv`), run by
the CLI against the new workspace exactly as the user would type them.

The demo runs at a fixed moment, `DEMO_NOW` (a Monday morning, review day), unless
SUPPORTCTL_NOW says otherwise: the walk-through, its SLA clocks and its invoices are
then the same on every run, and the printed `export` line pins the same moment for the
commands the user tries afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from supportctl.config import Config, load_config
from supportctl.services import customers, team
from supportctl.services.customers import CustomerInput
from supportctl.services.setup import init
from supportctl.store.db import Store, open_store

DEMO_AGENCY = {
    "name": "Koodiverstas Oy",
    "address": "Hämeenkatu 12 A\n33100 Tampere\nFinland",
    "vat_id": "FI12345678",
    "company_id": "1234567-8",
    "support_address": "tuki@koodiverstas.example",
    "mail_domain": "koodiverstas.example",
    "ticket_tag_prefix": "KV",
    # the sample mailbox was received by this server: its Authentication-Results count
    "authserv_id": "mx.koodiverstas.example",
}


DEMO_BANKS = {
    "EUR": {"iban": "FI21 1234 5600 0007 85", "bic": "NDEAFIHH", "bank_name": "Nordea"},
    "CZK": {
        "iban": "CZ65 0800 0000 1920 0014 5399",
        "bic": "GIBACZPX",
        "bank_name": "Česká spořitelna",
        "account": "19-2000145399/0800",
        "constant_symbol": "0308",
    },
}


# Monday 2 November 2026, 10:30 in Helsinki: the sample mail came in on Thursday and
# Friday, October's time is ready to invoice, and the team meets for the Monday review.
DEMO_NOW = "2026-11-02T08:30:00Z"


class Show(NamedTuple):
    """Something to show at the end: a command to run (argv) or text (lines)."""

    title: str
    argv: tuple[str, ...] | None
    lines: tuple[str, ...] = ()


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
    shows: list[Show] = field(default_factory=list)
    # Commands printed at the end for the user to try; steps add theirs.
    look: list[str] = field(
        default_factory=lambda: [
            "supportctl customer list",
            "supportctl customer show acme",
            "supportctl team list",
            "supportctl doctor",
        ]
    )

    def say(self, line: str) -> None:
        self.lines.append(line)

    def show_command(self, *argv: str, note: str = "") -> None:
        """Run `supportctl ARGV` on the workspace at the end and show its output."""
        title = "supportctl " + " ".join(argv) + (f"  ({note})" if note else "")
        self.shows.append(Show(title, argv))

    def show_text(self, title: str, lines: list[str]) -> None:
        self.shows.append(Show(title, None, tuple(lines)))


Step = Callable[[DemoWorkspace], None]


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
                monthly_fee="290.00",
                company_id="8765432-1",
                billing_email="laskut@acme.fi",
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
                monthly_fee="490.00",
                company_id="12345678",
                billing_email="faktury@kovosrot.cz",
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
                billing_email="accounts@pixelstudio.example",
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


def mail_in(ws: DemoWorkspace) -> None:
    """The bundled sample mailbox (Finnish, Czech, English mail) through the real pipeline."""
    from importlib.resources import as_file, files

    from supportctl.services import importing, mailadmin

    mailadmin.block(ws.store, "@cheap-seo.example", now=ws.now, actor=ws.actor)
    with as_file(files("supportctl") / "data" / "sample.mbox") as sample:
        report = importing.import_file_source(ws.store, ws.config, f"mbox:{sample}", now=ws.now)
    ws.say(f"mail:      {report.summary()}")
    ws.look.extend(
        [
            "supportctl inbox --no-fetch",
            "supportctl ticket show 1",
            "supportctl ticket show 4 --json",
            "supportctl block list",
        ]
    )


def delegation_review(ws: DemoWorkspace) -> None:
    """Two tasks delegated by skill (one a week ago, so the review flags it), then the review."""
    from datetime import timedelta

    from supportctl.domain.timeutil import from_utc_text
    from supportctl.services import delegation
    from supportctl.services.tickets import create_ticket
    from supportctl.store import customers as customer_store
    from supportctl.store import tickets as ticket_store

    rows = ticket_store.open_human(ws.store)
    # the mailed-in tickets, if any: an outage for the DNS task, a layout bug for the CSS one
    outage = next((r for r in rows if r["urgency"] == "urgent"), rows[0] if rows else None)
    layout = next(
        (r for r in rows if r is not outage and "layout" in r["subject"].lower()),
        next((r for r in rows if r is not outage), None),
    )
    tickets = [(r["id"], from_utc_text(r["created_at"])) for r in (outage, layout) if r]
    for slug, subject, days in (
        ("acme", "Site down since this morning", 9),
        ("pixel", "Page layout broken on mobile", 2),
    )[len(tickets) :]:
        arrived = ws.now - timedelta(days=days)
        customer_id = customer_store.id_by_slug(ws.store, slug)
        ticket_id = create_ticket(
            ws.store,
            ws.config,
            customer_id=customer_id,
            requester=f"support@{slug}.example",
            subject=subject,
            body=subject,
            arrived_at=arrived,
            classification="human",
            importance=None,
            is_triage=False,
            needs_approval=False,
            actor=ws.actor,
            now=arrived,
        )
        tickets.append((ticket_id, arrived))
    plan = (
        (tickets[0], "check DNS and the web server", "dns", "30m", 8),
        (tickets[1], "fix the layout on mobile", "css", None, 0),
    )
    for (ticket_id, created), task, skill, estimate, days_ago in plan:
        result = delegation.delegate(
            ws.store,
            ws.config,
            ticket_id=ticket_id,
            task=task,
            skill=skill,
            to=None,
            force=False,
            estimate=estimate,
            actor=ws.actor,
            now=max(created, ws.now - timedelta(days=days_ago)),
        )
        ws.say(f"delegated: task {result.task.id} on #{ticket_id} → {result.task.reason}")
    ws.show_command("delegated", note="the Monday review")
    ws.look.extend(
        [
            "supportctl delegated",
            "supportctl delegated --mine --as bob",
            "supportctl delegated --format md",
        ]
    )


def build(directory: Path, now: datetime) -> DemoWorkspace:
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "config.toml"
    db_path = directory / "supportctl.db"
    if db_path.exists() or config_path.exists():
        from supportctl.errors import InputError

        raise InputError(f"{directory} already holds a workspace; give an empty --dir")
    init(config_path, db_path, user="alice", agency=DEMO_AGENCY, banks=DEMO_BANKS)
    store = open_store(db_path)
    ws = DemoWorkspace(directory, config_path, db_path, load_config(config_path), store, now)
    try:
        for run in STEPS:
            run(ws)
    finally:
        store.close()
    return ws


def month_end_invoices(ws: DemoWorkspace) -> None:
    """The month's invoice reports in HTML and Markdown (kept last: it bills the steps
    above); once the month is over, they are issued, with references and QR codes."""
    from zoneinfo import ZoneInfo

    from supportctl.domain.timeutil import from_utc_text
    from supportctl.services import invoicing
    from supportctl.store import time_entries as entry_store

    latest = entry_store.latest_start(ws.store)
    moment = ws.now if latest is None else from_utc_text(latest)
    month = moment.astimezone(ZoneInfo(ws.config.agency.timezone)).strftime("%Y-%m")
    out_dir = ws.directory / "invoices" / month
    for fmt in ("html", "md"):
        run = invoicing.render_month(
            ws.store, ws.config, month, fmt=fmt, out_dir=out_dir, now=ws.now, actor=ws.actor
        )
        if not run.reports:
            ws.say(f"invoices:  no work or fees in {month}; nothing to invoice")
            return
        for report in run.reports:
            ws.say(f"invoice:   {report.path}")
    ws.look.extend([f"supportctl invoice {month} --out {out_dir}", "supportctl invoice templates"])
    _first, last = invoicing.month_days(month)
    if ws.now.astimezone(ZoneInfo(ws.config.agency.timezone)).date() <= last:
        return  # the month runs on: its invoices are drafts
    issued = invoicing.render_month(
        ws.store,
        ws.config,
        month,
        fmt="html",
        out_dir=out_dir / "issued",
        issue=True,
        now=ws.now,
        actor=ws.actor,
    )
    for report in issued.reports:
        ws.say(f"issued:    {report.number} {report.customer} -> {report.path}")
    ws.look.extend(
        [
            "supportctl invoice list",
            f"supportctl invoice send --month {month} --dry-run",
        ]
    )


def duty_rota(ws: DemoWorkspace) -> None:
    """The duty rota from this week (runs before mail comes in, so tickets get owners)."""
    from datetime import timedelta

    from supportctl.domain.rota import week_name
    from supportctl.services import rota

    this_week = week_name(ws.now.date())
    rota.set_order(
        ws.store, handles=["alice", "bob", "carol"], start=this_week, now=ws.now, actor=ws.actor
    )
    later = week_name(ws.now.date() + timedelta(weeks=2))
    rota.swap(ws.store, ws.config, week=later, handle="dave", now=ws.now, actor=ws.actor)
    ws.say(f"rota:      alice → bob → carol from {this_week}; dave swapped in for {later}")
    ws.show_command("rota", "show", "--weeks", "4")
    ws.look.extend(["supportctl rota show --weeks 8", "supportctl rota ics --out duty.ics"])


def inbox_with_clocks(ws: DemoWorkspace) -> None:
    """Two requests phoned in just now, then the queue with owners and live SLA clocks."""
    from datetime import timedelta

    from supportctl.services import inbox, tickets

    for slug, sender, subject, text, minutes_ago in (
        ("acme", "matti.virtanen@acme.fi", "Kassa ei toimi", "Matti soitti: maksu kaatuu", 10),
        ("kovo", "jiri.novak@kovosrot.cz", "Nový uživatel do administrace", "Pro Petru", 90),
    ):
        tickets.new_by_hand(
            ws.store,
            ws.config,
            customer=slug,
            from_addr=sender,
            subject=subject,
            text=text,
            actor=ws.actor,
            now=ws.now - timedelta(minutes=minutes_ago),
        )

    queue = inbox.queue(ws.store, ws.config, now=ws.now, limit=15)
    late = sum(1 for r in queue.rows if r.clock is not None and r.clock.breached)
    ws.say(f"queue:     {queue.total} open tickets, {late} past an SLA target")
    ws.show_command("inbox", "--no-fetch", note="urgent, premium, standard, light, then oldest")
    ws.look.extend(
        [
            'supportctl search "ei toimi"',
            "supportctl inbox --no-fetch --mine --as alice",
            "COLUMNS=80 supportctl inbox --no-fetch   # one line per ticket at 80 columns",
            "source <(supportctl completion bash)   # Tab completes tickets, customers, ...",
            # The sample mail came in last month (the demo's Monday is early in the next).
            "supportctl report " + (ws.now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"),
        ]
    )


def acknowledgements_to_outbox(ws: DemoWorkspace) -> None:
    """New tickets acknowledged in the customer's language, written to a local outbox."""
    from datetime import timedelta

    from supportctl.domain.timeutil import from_utc_text
    from supportctl.mail.smtp import OutboxTransport
    from supportctl.services import outbound

    outbox = ws.directory / "outbox"
    transport = OutboxTransport(outbox)
    from supportctl.store.outbound import tickets_by_arrival

    rows = tickets_by_arrival(ws.store)
    sent: list[outbound.Sent] = []
    skipped: list[outbound.Skipped] = []
    for row in rows:
        # As the fetch job would have, a minute after each mail arrived.
        moment = from_utc_text(row["created_at"]) + timedelta(minutes=1)
        outcome = outbound.acknowledge(
            ws.store, ws.config, ticket_id=row["id"], now=moment, transport=transport
        )
        (sent if isinstance(outcome, outbound.Sent) else skipped).append(outcome)  # type: ignore[arg-type]
    ws.say(f"acks:      {len(sent)} acknowledgements written to {outbox} (not sent)")
    for item in skipped:
        # Tickets made by hand or already closed by other steps are not worth a line.
        if not item.reason.startswith(("the ticket has no incoming", "the ticket is already")):
            ws.say(f"           none for #{item.ticket_id}: {item.reason}")
    if transport.written:
        import email
        import email.policy

        first = transport.written[0]
        msg = email.message_from_bytes(first.read_bytes(), policy=email.policy.default)
        lines = [
            f"{name}: {msg[name]}"
            for name in ("From", "To", "Subject", "In-Reply-To", "Auto-Submitted")
            if msg[name] is not None
        ]
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""  # type: ignore[union-attr]
        lines += ["", *text.replace("\r\n", "\n").rstrip("\n").split("\n")]
        ws.show_text(f"{first.relative_to(ws.directory)} (an acknowledgement)", lines)
    ws.look.extend(
        [
            "supportctl reply --templates",
            'supportctl reply 1 --dry-run -m "Hei Matti, katsomme asiaa heti."',
        ]
    )


def time_logged(ws: DemoWorkspace) -> None:
    """Last month's time across the three customers: acme's quota runs out, one request waits for approval."""
    from datetime import date, timedelta
    from zoneinfo import ZoneInfo

    from supportctl.services import timelog
    from supportctl.services.tickets import create_ticket
    from supportctl.store import customers as customer_store

    tz = ws.config.agency.timezone
    zone = ZoneInfo(tz)
    first_this = ws.now.astimezone(zone).date().replace(day=1)
    last_prev = first_this - timedelta(days=1)
    month = last_prev.strftime("%Y-%m")
    days = [
        last_prev.replace(day=d)
        for d in range(1, last_prev.day + 1)
        if last_prev.replace(day=d).weekday() < 5
    ]

    def arrived(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 8, 0, tzinfo=zone)

    made: dict[str, int] = {}
    for key, slug, requester, subject, designated in (
        ("wp", "acme", "matti.virtanen@acme.fi", "WordPress updates and small fixes", True),
        ("pages", "acme", "matti.virtanen@acme.fi", "New product pages", True),
        ("move", "acme", "matti.virtanen@acme.fi", "Server move", True),
        ("landing", "acme", "liisa.korhonen@acme.fi", "Could you make us a landing page?", False),
        ("kovo", "kovo", "jiri.novak@kovosrot.cz", "Server upkeep and mail", True),
        ("pixel", "pixel", "sam@pixelstudio.example", "Site fixes", True),
    ):
        customer_id = customer_store.id_by_slug(ws.store, slug)
        made[key] = create_ticket(
            ws.store,
            ws.config,
            customer_id=customer_id,
            requester=requester,
            subject=subject,
            body=subject,
            arrived_at=arrived(days[0]),
            classification="human",
            importance=None,
            is_triage=False,
            needs_approval=not designated,
            actor=ws.actor,
            now=arrived(days[0]),
        )
    # (business day, person, ticket key or customer slug, start, minutes, what, kind, internal)
    plan = [
        (0, "alice", "wp", "09:10", 45, "Updated WordPress core and 14 plugins", "work", False),
        (
            1,
            "bob",
            "acme",
            "10:00",
            30,
            "Checked the backups after the hosting move",
            "work",
            False,
        ),
        (1, "dave", "kovo", "09:00", 35, "Upgraded PHP to 8.3", "work", False),
        (2, "alice", "wp", "13:00", 60, "Fixed the contact form spam filter", "work", False),
        (2, "carol", "pixel", "14:00", 40, "Layout bug on mobile", "work", False),
        (
            3,
            "bob",
            "kovo",
            "10:00",
            10,
            "Mail to Jiří about the maintenance window",
            "messaging",
            False,
        ),
        (4, "carol", "pages", "09:30", 90, "Styled the new product pages", "work", False),
        (
            5,
            "alice",
            "acme",
            "15:00",
            15,
            "Answered Matti about the SSL renewal",
            "messaging",
            False,
        ),
        (7, "dave", "move", "10:00", 120, "Moved the cron jobs to the new server", "work", False),
        (8, "dave", "kovo", "14:00", 55, "Mail server: fixed the SPF failure", "work", False),
        (9, "carol", "pages", "13:00", 75, "Mobile menu fixes", "work", False),
        (10, "carol", "pixel", "09:00", 25, "Image compression for the gallery", "work", False),
        (11, "alice", "wp", "09:00", 50, "Plugin updates and a security scan", "work", False),
        (12, "bob", "acme", "14:00", 40, "DNS: added SPF and DMARC records", "work", False),
        (13, "bob", "kovo", "11:00", 15, "Call with Petra about the new user", "messaging", False),
        (14, "carol", "pages", "10:00", 110, "Checkout page redesign", "work", False),
        (15, "dave", "kovo", "11:00", 20, "Created the admin account for Petra", "work", False),
        (16, "alice", "acme", "09:30", 25, "Monthly update round", "work", False),
        (17, "alice", "landing", "13:00", 45, "Draft of the new landing page", "work", False),
        (18, "alice", "acme", "16:00", 20, "Documented the acme setup for the team", "work", True),
        (19, "bob", "pixel", "10:00", 15, "Renewed the domain", "work", False),
    ]
    for index, person, target, start, minutes, what, kind, internal in plan:
        day = days[min(index, len(days) - 1)]
        ticket = made.get(target) if target not in ("acme", "kovo", "pixel") else None
        begin = datetime.fromisoformat(f"{day.isoformat()} {start}")
        timelog.add_entry(
            ws.store,
            person=person,
            ticket=ticket,
            customer=None if ticket else target,
            description=what,
            start=begin.isoformat(sep=" ", timespec="minutes"),
            end=(begin + timedelta(minutes=minutes)).isoformat(sep=" ", timespec="minutes"),
            kind=kind,
            internal=internal,
            actor=person,
            now=ws.now,
            tz=lambda: tz,
        )
    # The month's work is done: its tickets are closed, except the request that still
    # waits for a designated contact's approval.
    from supportctl.services.tickets import set_status

    month_end = datetime(last_prev.year, last_prev.month, last_prev.day, 17, 0, tzinfo=zone)
    for key, ticket_id in made.items():
        if key != "landing":
            set_status(
                ws.store,
                ws.config,
                ticket_id=ticket_id,
                status="closed",
                actor=ws.actor,
                now=month_end,
            )
    from supportctl.services import timesheet

    listing = timesheet.list_entries(ws.store, month=month, customer="acme", tz=tz)
    split = next((e for e in listing.rows if len(e.parts) == 2), None)
    quota = listing.quotas["acme"]
    waiting = sum(p.minutes for e in listing.rows for p in e.parts if p.cls == "needs-approval")
    ws.say(
        f"time:      {len(plan)} entries in {month} by alice, bob, carol, dave on acme, kovo, pixel"
    )
    if split is not None:
        extra = " (extra: agree first)" if split.parts[1].is_extra else ""
        ws.say(
            f"quota:     acme's {quota.included_minutes} included minutes ran out on {split.date}: "
            f"entry {split.id} is {split.parts[0].minutes} min included + {split.parts[1].minutes} min billable{extra}"
        )
    ws.say(
        f"approval:  {waiting} min on #{made['landing']} (asked by a non-designated contact) wait for approval"
    )
    ws.show_command("log", "list", "--month", month, "--customer", "acme")
    ws.look.extend(
        [
            f"supportctl log list --month {month}",
            f"supportctl log list --month {month} --customer kovo --json",
            'supportctl log --customer pixel 15m "Checked the contact form"',
            f'supportctl ticket approve {made["landing"]} --override "Matti agreed on the phone"',
        ]
    )


# In order: the rota exists before mail comes in (owners), the queue and the review
# come after the mail, time is logged before the invoices that bill it, and the
# acknowledgements go out for the tickets the steps above opened.
def knowledge_base(ws: DemoWorkspace) -> None:
    """Three articles (a Finnish one with its Czech translation, and one drafted from
    the Czech outage ticket); a new ticket then shows the Czech article as a suggestion."""
    from supportctl.services import kb

    original = kb.add(
        ws.store,
        title="Uuden käyttäjätunnuksen lisääminen WordPressiin",
        body="Uuden käyttäjän voi lisätä WordPressin hallinnasta: Käyttäjät → Lisää uusi.\n"
        "Valitse rooli (kirjoittaja, toimittaja tai ylläpitäjä); käyttäjä saa sähköpostiin "
        "linkin salasanan asettamiseen.\n",
        lang="fi",
        tags=["wordpress"],
        shared=True,
        translation_of=None,
        ticket_id=None,
        actor=ws.actor,
        now=ws.now,
    )
    kb.add(
        ws.store,
        title="Přidání nového uživatele do administrace WordPressu",
        body="Nového uživatele přidáte v administraci WordPressu: Uživatelé → Přidat nového.\n"
        "Zvolte roli (autor, editor nebo administrátor); uživatel dostane e-mailem odkaz "
        "pro nastavení hesla.\n",
        lang="cs",
        tags=["wordpress"],
        shared=True,
        translation_of=original,
        ticket_id=None,
        actor=ws.actor,
        now=ws.now,
    )
    outage = next((t for t in range(1, 20) if _subject_starts(ws, t, "Web nefunguje")), None)
    drafted = 0
    if outage is not None:  # = kb add --from-ticket N --yes
        draft = kb.draft_from_ticket(ws.store, outage, None)
        kb.add(
            ws.store,
            title=draft.title,
            body=draft.body,
            lang=draft.lang,
            tags=list(draft.tags),
            shared=False,
            translation_of=None,
            ticket_id=draft.ticket_id,
            actor=ws.actor,
            now=ws.now,
        )
        drafted = 1
    ws.say(f"knowledge: {2 + drafted} articles ({drafted} drafted from ticket #{outage})")
    new_user = next((t for t in range(1, 30) if _subject_starts(ws, t, "Nový uživatel")), None)
    ws.show_command("kb", "list")
    if new_user is not None:
        ws.show_command("ticket", "show", str(new_user), note="ends with a suggested article")
    ws.look.extend(
        [
            "supportctl kb list",
            f"supportctl kb show {original}",
            "supportctl kb search heslo",
            f"supportctl kb add --from-ticket {outage or 3}",
            "supportctl kb export ./help",
        ]
    )


def _subject_starts(ws: DemoWorkspace, ticket_id: int, prefix: str) -> bool:
    from supportctl.store import tickets as ticket_store

    row = ticket_store.get(ws.store, ticket_id)
    return row is not None and str(row["subject"]).startswith(prefix)


STEPS: list[Step] = [
    agency_customers_team,
    duty_rota,
    mail_in,
    delegation_review,
    inbox_with_clocks,
    time_logged,
    month_end_invoices,
    acknowledgements_to_outbox,
    knowledge_base,
]
