"""Reminders: the `remind` run over waiting tickets and unpaid invoices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.errors import MailError
from supportctl.mail import compose
from supportctl.services.outbound.delivery import (
    ACK_MAX_AGE_HOURS,
    Outcome,
    Skipped,
    _agency,
    _deliver,
    _from_addr,
    _guard,
    _local_now,
    _person_context,
    _Plan,
    resume_unfinished,
    transport_for,
)
from supportctl.store import outbound as out_store
from supportctl.store import people as people_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.mail.smtp import Transport

# --- reminders ------------------------------------------------------------------------


@dataclass
class RemindReport:
    reminders: dict[str, list[Any]] = field(default_factory=dict)  # owner -> Reminder list
    outcomes: list[Outcome] = field(default_factory=list)
    dry_run: bool = False
    unowned: list[Any] = field(default_factory=list)  # near a breach, nobody to tell
    resumed: list[Outcome] = field(default_factory=list)  # interrupted sends, sent again

    def as_json(self) -> dict[str, Any]:
        return {
            "owners": [
                {
                    "id": owner,
                    "tickets": [
                        {
                            "id": r.ticket_id,
                            "target": r.target,
                            "due": to_utc_text(r.due),
                            "business_minutes_left": r.business_minutes_left,
                        }
                        for r in items
                    ],
                }
                for owner, items in sorted(self.reminders.items())
            ],
            "mails": [o.as_json() for o in self.resumed + self.outcomes],
            "unowned": [r.ticket_id for r in self.unowned],
            "dry_run": self.dry_run,
        }


def remind(
    store: Store,
    config: Config,
    *,
    now: datetime,
    dry_run: bool = False,
    transport: Transport | None = None,
) -> RemindReport:
    """Mail each owner their tickets within one business hour of an SLA breach (for cron).

    A ticket nobody owns (it arrived while the rota was empty, or its owner has left the
    team) goes to this week's duty person; with nobody on duty either it is listed in the report's `unowned`.
    """
    from datetime import timedelta

    from supportctl.domain import reminders
    from supportctl.domain.sla import format_minutes
    from supportctl.render import mail as mail_render
    from supportctl.services.calendar import business_calendar

    # The run for cron and the watch schedule: mail an earlier process was killed while
    # sending goes out first (delivery.resume_unfinished).
    resumed = [] if dry_run else resume_unfinished(store, config, transport, now=now)
    calendar = business_calendar(store, config, around=now)
    # Mail that was already more than a day old by its Date header when it was imported
    # (an old mailbox) never sets off a reminder.
    old = out_store.imported_old(store, ACK_MAX_AGE_HOURS * 3600)
    rows = [r for r in out_store.open_tickets_with_owner(store) if r["id"] not in old]
    on_duty = ""  # no one
    if any(r["owner"] is None for r in rows):
        from supportctl.services.rota import owner_for_arrival

        on_duty = owner_for_arrival(store, config, now, calendar)[1].person or ""

    def when(text: str | None) -> datetime | None:
        return from_utc_text(text) if text else None

    open_tickets = [
        reminders.OpenTicket(
            id=r["id"],
            owner=r["owner"] or on_duty,
            subject=r["subject"] or "",
            status=r["status"],
            hours=r["hours"],
            first_response_at=when(r["first_response_at"]),
            due_response=when(r["due_response_at"]),
            due_resolution=when(r["due_resolution_at"]),
            waiting_since=when(r["waiting_since"]),
        )
        for r in rows
    ]
    already = out_store.reminded_keys(store, to_utc_text(now - timedelta(days=90)))
    chosen = reminders.select(calendar, open_tickets, now=now, already=already)
    report = RemindReport(chosen, dry_run=dry_run, unowned=chosen.pop("", []), resumed=resumed)
    if not chosen:
        return report
    if transport is None and not dry_run:
        transport = transport_for(config)
    prefix = config.agency.ticket_tag_prefix
    try:
        for handle, items in sorted(chosen.items()):
            owner = people_store.get_by_handle(store, handle)
            if owner is None:  # pragma: no cover - owners come from a join on people
                continue
            lines = [
                {
                    "tag": compose.subject_tag(r.ticket_id, prefix),
                    "subject": r.subject,
                    "target": r.target,
                    "due": mail_render.format_when(r.due, "en", config.agency.timezone),
                    "left": (
                        f"{format_minutes(r.business_minutes_left, calendar.minutes_per_day)} business time left"
                        if r.business_minutes_left >= 0
                        else f"breached {format_minutes(-r.business_minutes_left, calendar.minutes_per_day)} ago (business time)"
                    ),
                }
                for r in items
            ]
            body = mail_render.render(
                config.config_dir,
                "remind",
                "en",
                {"owner": _person_context(owner), "items": lines, "agency": _agency(config)},
            )
            count = len(items)
            outgoing = compose.Outgoing(
                from_addr=_from_addr(config),
                from_name=config.agency.name,
                to=(owner.email,),
                subject=f"SLA: {count} ticket{'s' if count != 1 else ''} near a breach",
                body=body,
                date=_local_now(config, now),
                message_id=compose.new_message_id(config.agency.mail_domain),
                auto_submitted="auto-generated",
            )
            plan = _Plan(
                outgoing,
                "remind",
                None,
                automatic=True,
                actor=None,
                check=_guard(store, config, address=owner.email, kind="remind", now=now),
                event_data={"owner": handle, "tickets": [r.ticket_id for r in items]},
                extra_events=[
                    (
                        "mail.remind",
                        r.ticket_id,
                        {"owner": handle, "target": r.target, "due": r.key[2]},
                    )
                    for r in items
                ],
            )
            try:
                report.outcomes.append(
                    _deliver(store, config, plan, transport=transport, now=now, dry_run=dry_run)
                )
            except MailError as exc:
                report.outcomes.append(
                    Skipped("remind", None, owner.email, f"not sent: {exc.message}")
                )
                raise
    finally:
        if transport is not None:
            transport.close()
    return report
