"""One ticket with its messages and attachments, for `ticket show` and `ticket attachment`.

Attachments are numbered 1..K across the whole ticket in message order, the numbers
`ticket show` prints and `ticket attachment N K` accepts. Saving decodes the stored
transfer-encoded bytes (they are not decoded while fetching).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from supportctl.errors import InputError
from supportctl.render.models.ticketview import AttachmentView, BounceView, MessageView, TicketView
from supportctl.store import customers as customer_store
from supportctl.store import messages as message_store
from supportctl.store import tickets as ticket_store
from supportctl.store.db import Row, Store

if TYPE_CHECKING:
    from supportctl.config import Config
    from supportctl.mail.quotes import Split


def _split_reply(text: str) -> Split:
    """`mail.quotes.split_reply`, imported when a view first asks for it."""
    from supportctl.mail.quotes import split_reply

    return split_reply(text)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()] if text else []


def get(
    store: Store, ticket_id: int, config: Config | None = None, *, row: Row | None = None
) -> TicketView:
    """The ticket; with `config`, each incoming message carries its authentication verdict
    (`row`: the ticket, when the caller has read it already)."""
    if row is None:
        row = ticket_store.get(store, ticket_id)
    if row is None:
        raise InputError(f"no ticket #{ticket_id}", hint="see `supportctl inbox --all`")
    return get_later(store, ticket_id, config)(row)


def get_later(
    store: Store, ticket_id: int, config: Config | None = None
) -> Callable[[Row], TicketView]:
    """`get` when called with the ticket's row; every read it needs sent now, by the
    ticket number alone (with the ticket's own read on a server). A number that turns
    out to be merged into another ticket reads that one when called."""
    slug_later = customer_store.slug_of_ticket_later(store, ticket_id)
    msgs_later = message_store.for_ticket_later(store, ticket_id)
    # what the messages carry, read by the ticket so that it goes with them
    atts_later = message_store.attachments_of_ticket_later(store, ticket_id)
    raws_later = accounts_later = None
    if config is not None:
        raws_later = message_store.incoming_raws_of_ticket_later(store, ticket_id)
        accounts_later = message_store.incoming_accounts_of_ticket_later(store, ticket_id)
    foreign_later = ticket_store.foreign_senders_later(store, ticket_id)

    def view(row: Row) -> TicketView:
        if int(row["id"]) != ticket_id:
            return get_later(store, int(row["id"]), config)(row)
        slug = slug_later() if row["customer_id"] is not None else None
        return _view(
            row,
            config,
            slug,
            msgs_later(),
            atts_later,
            raws_later,
            accounts_later,
            foreign_later,
            store,
        )

    return view


def _view(
    row: Row,
    config: Config | None,
    slug: str | None,
    msgs: list[Row],
    atts_later: Callable[[], dict[int, list[Row]]],
    raws_later: Callable[[], dict[int, bytes]] | None,
    accounts_later: Callable[[], dict[int, list[str]]] | None,
    foreign_later: Callable[[], list[str]],
    store: Store,
) -> TicketView:
    atts = atts_later() if msgs else {}
    incoming = [int(m["id"]) for m in msgs if m["direction"] == "in"]
    verdicts = {}
    raws: dict[int, bytes] | None = None
    if config is not None and raws_later is not None and accounts_later is not None:
        from supportctl.services.authentication import verdicts_of_raws

        raws = raws_later() if incoming else {}
        verdicts = verdicts_of_raws(config, incoming, raws, accounts_later() if incoming else {})
    number = 0
    views: list[MessageView] = []
    for m in msgs:
        attachment_views = []
        for a in atts.get(int(m["id"]), []):
            number += 1
            attachment_views.append(
                AttachmentView(
                    number,
                    a["filename"],
                    a["content_type"],
                    int(a["size"]),
                    a["blob_sha256"],
                    a["transfer_encoding"],
                )
            )
        views.append(
            MessageView(
                id=int(m["id"]),
                direction=m["direction"],
                message_id=m["message_id"],
                from_addr=m["from_addr"],
                from_name=m["from_name"],
                to=_split(m["to_addrs"]),
                cc=_split(m["cc_addrs"]),
                date=m["date"],
                arrived_at=m["arrived_at"],
                subject=m["subject"],
                in_reply_to=m["in_reply_to"],
                references=m["refs"].split() if m["refs"] else [],
                classification=m["classification"],
                auth={"dmarc": m["auth_dmarc"], "dkim": m["auth_dkim"], "spf": m["auth_spf"]},
                text=m["text_body"],
                attachments=attachment_views,
                splitter=_split_reply,
            )
        )
        if config is not None and m["direction"] == "in":
            verdict = verdicts[int(m["id"])]
            views[-1].authenticated = verdict.authenticated
            views[-1].auth_reason = verdict.summary()
    sent = {int(m["id"]): m for m in msgs}
    bounces = [
        BounceView(
            sent[int(m["bounce_of"])]["arrived_at"],
            sent[int(m["bounce_of"])]["to_addrs"],
            m["bounce_reason"],
            m["arrived_at"],
        )
        for m in msgs
        if m["bounce_of"] is not None and int(m["bounce_of"]) in sent
    ]
    from supportctl.services import requester

    who = requester.of_ticket(store, row, thread=msgs, raws=raws)  # the thread's columns and more
    return TicketView(
        reply_to=who.reply_to,
        foreign_senders=foreign_later(),
        id=int(row["id"]),
        subject=row["subject"],
        requester=row["requester"],
        customer=slug,
        status=row["status"],
        urgency=row["urgency"],
        kind=row["kind"],
        classification=row["classification"],
        is_triage=bool(row["is_triage"]),
        needs_approval=ticket_store.awaits_approval(row),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        messages=views,
        row=dict(row),
        bounces=bounces,
    )


def _safe_name(name: str, number: int) -> str:
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".")
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    from supportctl.files import fit_name

    return fit_name(base) if base else f"attachment-{number}"


def save_attachment(store: Store, ticket_id: int, number: int, directory: Path) -> Path:
    """Decode attachment `number` of a ticket into `directory`; never overwrites a file."""
    from supportctl.mail.parse import decode_attachment

    view = get(store, ticket_id)
    found = [a for m in view.messages for a in m.attachments if a.number == number]
    if not found:
        total = sum(len(m.attachments) for m in view.messages)
        raise InputError(
            f"ticket #{ticket_id} has no attachment {number} (it has {total})",
            hint=f"see `supportctl ticket show {ticket_id}`",
        )
    att = found[0]
    directory = directory.expanduser()
    if not directory.is_dir():
        raise InputError(
            f"{directory} is not a directory", hint="create it first or choose another --save DIR"
        )
    target = directory / _safe_name(att.filename, number)
    if target.exists() or target.is_symlink():
        raise InputError(
            f"{target} already exists; nothing was written", hint="choose another --save DIR"
        )
    data = message_store.blob(store, att.sha256)
    if data is None:
        raise InputError(f"the content of attachment {number} is missing from the database")
    from supportctl.files import write_file

    return write_file(target, decode_attachment(data, att.transfer_encoding), what="attachment")
