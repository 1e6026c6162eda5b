"""Alerts: page a ticket's owner at once when it is urgent, or when a 24/7 customer's
ticket arrives outside business hours.

Nothing is queued: what is due is derived from the tickets and the history each time
(`domain.watch.due_alerts`), so a crash, a restart or a ticket made urgent by hand from
another terminal all end in the same place. Each alert goes out once per ticket, reason
and channel (`mail`, `command`): a success records `alert.sent` on the ticket, a failure
`alert.failed` (with the error) and is tried again after a growing delay. A failure is
logged, never raised: paging must not stop the service that does it.

`alert_command` is an argv list run without a shell; the ticket goes to it as JSON on
stdin and no customer text is ever put in its arguments.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from supportctl.domain import watch as rules
from supportctl.domain.timeutil import from_utc_text, to_utc_text
from supportctl.errors import ConfigError, InputError, MailError
from supportctl.store import events
from supportctl.store import people as people_store
from supportctl.store import tickets as ticket_store
from supportctl.store import watch as watch_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.mail.smtp import Transport

WHY = {
    rules.REASON_URGENT: "urgent ticket",
    rules.REASON_OUT_OF_HOURS: "24/7 customer, outside business hours",
}


@dataclass
class AlertRun:
    sent: list[rules.DueAlert] = field(default_factory=list)
    failed: list[tuple[rules.DueAlert, str]] = field(default_factory=list)


def _alert_tickets(store: Store, config: Config, now: datetime) -> list[rules.AlertTicket]:
    from supportctl.services.calendar import business_calendar

    rows = watch_store.alert_candidates(store, now - rules.ALERT_WINDOW)
    if not rows:
        return []
    changes = watch_store.urgency_changes(store, [int(r["id"]) for r in rows])
    calendar = business_calendar(store, config, around=now)
    out = []
    for r in rows:
        created = from_utc_text(r["created_at"])
        urgent_since: datetime | None = None
        history = changes.get(int(r["id"]), [])
        if r["urgency"] == "urgent":
            # the last change to urgent, else it was created urgent
            made = [at for at, new in history if new == "urgent"]
            urgent_since = from_utc_text(made[-1]) if made else created
        out.append(
            rules.AlertTicket(
                id=int(r["id"]),
                urgency=str(r["urgency"]),
                hours=str(r["hours"]),
                classification=str(r["classification"]),
                created_at=created,
                urgent_since=urgent_since,
                arrived_out_of_hours=not calendar.is_open(created),
            )
        )
    return out


def _attempts(
    store: Store, ticket_ids: list[int]
) -> dict[tuple[int, str, str], rules.AlertAttempts]:
    out = {}
    for key, history in watch_store.alert_history(store, ticket_ids).items():
        sent = any(kind == "alert.sent" for kind, _at in history)
        failures = [at for kind, at in history if kind == "alert.failed"]
        out[key] = rules.AlertAttempts(
            sent=sent,
            failures=len(failures),
            last_failure_at=from_utc_text(failures[-1]) if failures else None,
        )
    return out


def pending(
    store: Store, config: Config, now: datetime, *, include_delayed: bool = False
) -> list[rules.DueAlert]:
    """The alerts due now (each once per ticket, reason and configured channel);
    `include_delayed` adds failed ones waiting for their retry."""
    channels = config.alerts.channels
    if not channels:
        return []
    tickets = _alert_tickets(store, config, now)
    if not tickets:
        return []
    return rules.due_alerts(
        tickets,
        _attempts(store, [t.id for t in tickets]),
        channels,
        now,
        include_delayed=include_delayed,
    )


def ticket_json(store: Store, config: Config, ticket_id: int, reason: str) -> dict[str, Any]:
    """What an alert says about a ticket (the command's stdin, the mail's context)."""
    from supportctl.mail import compose

    row = ticket_store.queue_row(store, ticket_id)
    full = ticket_store.get(store, ticket_id)
    if row is None or full is None:
        raise InputError(f"no ticket #{ticket_id}")
    return {
        "reason": reason,
        "why": WHY.get(reason, reason),
        "id": ticket_id,
        "tag": compose.subject_tag(ticket_id, config.agency.ticket_tag_prefix),
        "subject": row["subject"] or "(no subject)",
        "requester": row["requester"],
        "customer": row["customer"],
        "owner": row["owner"],
        "urgency": row["urgency"],
        "kind": row["kind"],
        "level": row["level"],
        "hours": row["hours"],
        "status": row["status"],
        "created_at": full["created_at"],
        "due_response": full["due_response_at"],
        "test": False,
    }


def _recipient(store: Store, config: Config, ticket_id: int | None, now: datetime) -> Any:
    """The ticket's owner, else this week's duty person; None when there is nobody."""
    if ticket_id is not None:
        row = ticket_store.get(store, ticket_id)
        if row is not None and row["owner_id"] is not None:
            person = people_store.get_by_id(store, int(row["owner_id"]))
            if person is not None:
                return person
    from supportctl.services.rota import owner_for_arrival

    _pid, duty = owner_for_arrival(store, config, now)
    return people_store.get_by_handle(store, duty.person) if duty.person else None


def run_command(argv: list[str], payload: dict[str, Any], timeout_seconds: int) -> None:
    """Run the alert command with `payload` as JSON on stdin; MailError on any failure."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        done = subprocess.run(
            argv,
            input=data,
            capture_output=True,
            timeout=timeout_seconds,
            shell=False,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MailError(f"alert command {argv[0]} ran longer than {timeout_seconds} s") from None
    except OSError as exc:
        raise MailError(f"alert command {argv[0]} could not run: {exc.strerror}") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = f": {tail[-1][:200]}" if tail else ""
        raise MailError(f"alert command {argv[0]} exited with {done.returncode}{said}")


def _send(
    store: Store,
    config: Config,
    alert: rules.DueAlert,
    now: datetime,
    transport_factory: Callable[[], Transport] | None,
) -> None:
    from supportctl.services import outbound

    payload = ticket_json(store, config, alert.ticket_id, alert.reason)
    person = _recipient(store, config, alert.ticket_id, now)
    if alert.channel == "mail":
        if person is None:
            raise MailError("nobody to alert: the ticket has no owner and nobody is on duty")
        outbound.alert_mail(
            store,
            config,
            person=person,
            ticket=payload,
            reason=alert.reason,
            why=WHY.get(alert.reason, alert.reason),
            now=now,
            transport=transport_factory() if transport_factory else None,
        )
        return
    argv = config.alerts.command
    if not argv:  # pragma: no cover - pending() only offers configured channels
        return
    payload["to"] = None if person is None else {"handle": person.handle, "email": person.email}
    run_command(argv, payload, config.alerts.timeout_seconds)
    with store.transaction():
        events.record(
            store,
            "alert.sent",
            at=now,
            actor=None,
            ticket_id=alert.ticket_id,
            data={
                "reason": alert.reason,
                "channel": "command",
                "to": None if person is None else person.handle,
            },
        )


def deliver(
    store: Store,
    config: Config,
    *,
    now: datetime,
    log: Callable[[str, str], None] | None = None,
    transport_factory: Callable[[], Transport] | None = None,
) -> AlertRun:
    """Send every alert due now; failures are recorded and logged, never raised."""
    run = AlertRun()
    for alert in pending(store, config, now):
        try:
            _send(store, config, alert, now, transport_factory)
        except (MailError, ConfigError, InputError) as exc:
            with store.transaction():
                events.record(
                    store,
                    "alert.failed",
                    at=now,
                    actor=None,
                    ticket_id=alert.ticket_id,
                    data={"reason": alert.reason, "channel": alert.channel, "error": exc.message},
                )
            run.failed.append((alert, exc.message))
            if log:
                log(
                    "warning",
                    f"alert on #{alert.ticket_id} ({alert.reason}) by {alert.channel} failed: "
                    f"{exc.message}; tried again later",
                )
            continue
        run.sent.append(alert)
        if log:
            log("info", f"alerted about #{alert.ticket_id} ({alert.reason}) by {alert.channel}")
    return run


@dataclass(frozen=True)
class TestOutcome:
    channel: str
    ok: bool
    detail: str


def send_test(store: Store, config: Config, *, now: datetime) -> list[TestOutcome]:
    """`alert test`: one test alert through every configured channel, nothing recorded
    on any ticket."""
    channels = config.alerts.channels
    if not channels:
        raise ConfigError(
            f"no alert channel in {config.path}",
            hint='set [alerts] mail = true and/or command = ["/path/to/program"]',
        )
    from supportctl.services import outbound

    person = _recipient(store, config, None, now)
    out = []
    for channel in channels:
        try:
            if channel == "mail":
                if person is None:
                    raise MailError("nobody is on duty this week to receive it")
                outbound.alert_mail(
                    store, config, person=person, ticket=None, reason="test", why="test", now=now
                )
                out.append(TestOutcome("mail", True, f"mailed {person.email}"))
            else:
                argv = config.alerts.command or []
                payload = {
                    "reason": "test",
                    "why": "test alert",
                    "id": None,
                    "subject": "supportctl test alert",
                    "test": True,
                    "at": to_utc_text(now),
                    "to": None
                    if person is None
                    else {"handle": person.handle, "email": person.email},
                }
                run_command(argv, payload, config.alerts.timeout_seconds)
                out.append(TestOutcome("command", True, f"ran {argv[0]}"))
        except (MailError, ConfigError) as exc:
            out.append(TestOutcome(channel, False, exc.message))
    return out


def waiting(store: Store, config: Config, now: datetime) -> int:
    """How many alerts are not delivered yet, due now or waiting to be retried (`status`)."""
    return len(pending(store, config, now, include_delayed=True))
