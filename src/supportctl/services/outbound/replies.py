"""Replies a person writes: drafts, canned answers, templates, the reply itself."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportctl.domain.timeutil import from_utc_text
from supportctl.errors import ConfigError, InputError, MailError
from supportctl.mail import compose
from supportctl.services.outbound.delivery import (
    Sent,
    _agency,
    _customer,
    _customer_thread,
    _customer_zone,
    _deliver,
    _from_addr,
    _parent,
    _person_context,
    _Plan,
    _requester_name,
    _target,
    _threading,
    _ticket,
    _ticket_context,
    _zone_info,
    transport_for,
)
from supportctl.store import people as people_store
from supportctl.store.db import Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.mail.smtp import Transport

# --- reply --------------------------------------------------------------------------


def _attachments(paths: Sequence[Path]) -> tuple[compose.Attachment, ...]:
    out = []
    for path in paths:
        try:
            data = path.expanduser().read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read attachment {path}: {exc.strerror}") from None
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        out.append(compose.Attachment(path.name, data, ctype))
    return tuple(out)


def _addresses(values: Sequence[str], what: str) -> tuple[str, ...]:
    """Each value a list of mailboxes (`a@x.fi, Name <b@y.fi>`); every address by the one
    rule (`domain.address`)."""
    from email.utils import getaddresses

    from supportctl.domain.address import is_address

    out = []
    for value in values:
        for _name, addr in getaddresses([value]):
            addr = addr.strip()
            if not is_address(addr):
                raise InputError(f"{what} '{value}' is not a mail address")
            out.append(addr)
    return tuple(out)


def is_empty_reply(text: str) -> bool:
    """Nothing but whitespace, quoted lines and the attribution line above them."""
    lines = [line for line in text.splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.lstrip().startswith(">")]
    if not meaningful:
        return True
    return len(meaningful) == 1 and meaningful[0].rstrip().endswith(compose.ATTRIBUTION_ENDINGS)


def draft(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    template: str | None,
    actor: str | None,
    now: datetime,
    text: str | None = None,
) -> str:
    """The editor's starting text: a canned reply (if any), then the quoted customer mail."""
    ticket = _ticket(store, ticket_id)
    thread = _customer_thread(store, ticket["id"])
    parent = _parent(thread)
    lang = _language(store, ticket, parent)
    top = ""
    if template:
        top = canned(
            store, config, ticket_id=ticket["id"], name=template, actor=actor, now=now, text=text
        )
    quoted = ""
    if parent is not None and parent["direction"] == "in" and parent["text_body"].strip():
        when = parent["date"] or parent["arrived_at"]
        stamp = _local_stamp(config, when)
        who = (
            f"{parent['from_name']} <{parent['from_addr']}>"
            if parent["from_name"]
            else parent["from_addr"]
        )
        quoted = compose.quote(parent["text_body"], who=who, when=stamp, lang=lang)
    return (top.rstrip("\n") + "\n\n" if top else "\n\n") + quoted


def _local_stamp(config: Config, utc_text: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        moment = from_utc_text(utc_text)
    except ValueError:
        return utc_text
    return moment.astimezone(ZoneInfo(config.agency.timezone)).strftime("%Y-%m-%d %H:%M")


def _language(store: Store, ticket: Any, parent: Any | None) -> str:
    customer = _customer(store, ticket["customer_id"])
    address = (
        parent["from_addr"]
        if parent is not None and parent["direction"] == "in"
        else ticket["requester"]
    )
    return compose.language_for(customer.locale if customer else None, address or "")


def canned(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    name: str,
    actor: str | None,
    now: datetime,
    text: str | None = None,
) -> str:
    """A canned reply rendered for this ticket, in the customer's language.

    `text` fills the template's place for the writer's own words (`{{ text }}`); without
    it, a template that has such a place is refused (exit 2), one that has none is sent
    as it is."""
    from supportctl.render import mail as mail_render

    ticket = _ticket(store, ticket_id)
    thread = _customer_thread(store, ticket["id"])
    parent = _parent(thread)
    lang = _language(store, ticket, parent)
    customer = _customer(store, ticket["customer_id"])
    me = people_store.get_by_handle(store, actor) if actor else None
    owner = people_store.get_by_id(store, ticket["owner_id"]) if ticket["owner_id"] else None
    address = (
        parent["from_addr"]
        if parent is not None and parent["direction"] == "in"
        else ticket["requester"]
    )
    context = {
        "ticket": _ticket_context(config, ticket),
        "customer": {"name": customer.name, "slug": customer.slug} if customer else None,
        "requester_name": _requester_name(
            store, address or "", parent["from_name"] if parent else ""
        ),
        "me": _person_context(me)
        or {"handle": actor or "", "name": config.agency.name, "email": ""},
        "duty": _person_context(_duty(store, config, now) or owner or me),
        "owner": _person_context(owner),
        "agency": _agency(config),
        "auto_close_days": config.agency.auto_close_business_days,
        "lang": lang,
    }
    try:
        return mail_render.render_canned(config.config_dir, name, lang, context, text=text)
    except mail_render.NeedsText:
        raise InputError(
            f"the canned reply '{name}' has a place for your own text ({{{{ text }}}})",
            hint=f'fill it with -m: supportctl reply {ticket_id} --template {name} -m "…"',
        ) from None


def _duty(store: Store, config: Config, now: datetime) -> Any:
    """This week's duty person, when a rota is set up."""
    try:
        from supportctl.services import rota
    except ImportError:  # pragma: no cover - the rota ships with the product
        return None
    if rota.is_empty(store):
        return None
    person_id, _duty = rota.owner_for_arrival(store, config, now)
    return people_store.get_by_id(store, person_id) if person_id else None


def templates(config: Config) -> list[Any]:
    """The canned replies: packaged ones and the user's own."""
    from supportctl.render import mail as mail_render

    return mail_render.canned_templates(config.config_dir)


def reply(
    store: Store,
    config: Config,
    *,
    ticket_id: int,
    body: str,
    actor: str | None,
    now: datetime,
    cc: Sequence[str] = (),
    attach: Sequence[Path] = (),
    dry_run: bool = False,
    transport: Transport | None = None,
    to: str | None = None,
) -> Sent:
    """Send a person's reply on a ticket; it is the ticket's first response if none came before.

    It goes to the ticket's requester (`services.requester`: the Reply-To of the first
    message, else its From), or with `to` to another address that already wrote on the
    ticket; never to whoever wrote last by default.
    """
    ticket = _ticket(store, ticket_id)
    if not dry_run and transport is None:
        transport = transport_for(config)  # no [smtp]: exit 3 before anything else
    if is_empty_reply(body):
        raise InputError(
            f"empty message: nothing sent on ticket #{ticket['id']}",
            hint="write the reply above the quoted text, or pass -m TEXT / --file PATH",
        )
    thread = _customer_thread(store, ticket["id"])
    parent = _parent(thread)
    to_addr = _target(store, ticket, thread, to)
    if not to_addr or "@" not in to_addr:
        raise InputError(
            f"ticket #{ticket['id']} has no customer address to reply to",
            hint="a ticket made by hand needs a requester with a mail address",
        )
    cc_addrs = _addresses(cc, "--cc")
    files = _attachments(attach)
    in_reply_to, references = _threading(parent)
    me = people_store.get_by_handle(store, actor) if actor else None
    prefix = config.agency.ticket_tag_prefix
    subject_source = (
        parent["subject"] if parent is not None and parent["subject"] else ticket["subject"]
    )
    outgoing = compose.Outgoing(
        from_addr=_from_addr(config),
        from_name=f"{me.name} / {config.agency.name}" if me else config.agency.name,
        to=(to_addr,),
        cc=cc_addrs,
        subject=compose.tagged_subject(subject_source or "", ticket["id"], prefix),
        body=body,
        date=now.astimezone(
            _zone_info(_customer_zone(config, _customer(store, ticket["customer_id"])))
        ),
        message_id=compose.new_message_id(config.agency.mail_domain, ticket["id"]),
        in_reply_to=in_reply_to,
        references=references,
        attachments=files,
        language=_language(store, ticket, parent),
    )
    plan = _Plan(outgoing, "reply", ticket["id"], automatic=False, actor=actor)
    try:
        outcome = _deliver(store, config, plan, transport=transport, now=now, dry_run=dry_run)
    except (MailError, ConfigError) as exc:
        path = save_draft(store, ticket["id"], body, now)
        raise type(exc)(
            f"{exc.message}; the reply was not sent, the ticket is unchanged",
            hint=f"draft saved to {path}; send it later with `supportctl reply {ticket['id']} --file {path}`",
        ) from None
    assert isinstance(outcome, Sent)
    return outcome


def save_draft(store: Store, ticket_id: int, body: str, now: datetime) -> Path:
    """Keep the text of a reply that could not be sent, next to the database."""
    from supportctl.files import write_file

    folder = store.local_dir / "drafts"
    path = folder / f"ticket-{ticket_id}-{now.strftime('%Y%m%dT%H%M%SZ')}.txt"
    counter = 1
    while path.exists() or path.is_symlink():
        counter += 1
        path = folder / f"ticket-{ticket_id}-{now.strftime('%Y%m%dT%H%M%SZ')}-{counter}.txt"
    return write_file(path, body.encode("utf-8"), what="the draft")
