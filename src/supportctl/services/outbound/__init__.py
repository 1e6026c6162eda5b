"""Mail out: replies, acknowledgements, status and delegation notices, reminders.

Every mail goes through `_deliver`, which is what makes them safe:

- The SMTP session is opened (connect, TLS, login) before the write lock is taken;
  then one transaction checks the loop guard, hands the bytes to the server and records
  the message (direction 'out', the exact raw bytes), one `outbound_log` row per
  recipient, a `mail.sent` event, and the ticket's first response when it is one. A
  send that fails rolls the transaction back: nothing is recorded as sent, the ticket
  is unchanged, and a reply's text is saved as a draft whose path the error names.
  Checking the rate caps inside the same write lock as the send means two `fetch`
  runs at once cannot both acknowledge the same sender.
- Automatic mail (everything but `reply`) carries `Auto-Submitted` and must pass
  `domain.loopguard`; a refusal is not an error, it is recorded in the ticket history
  (`mail.skipped`) so "why did the customer get nothing?" has an answer.

`SUPPORTCTL_OUTBOX=DIR` (or a transport passed in, as the demo does) writes the mail
as .eml files into DIR instead of sending it; everything else happens as for SMTP.

The package: `delivery` (the one path every message takes), `replies`, `notices`
(acknowledgements, status and delegation notices, documents, alerts) and `reminders`.
"""

from __future__ import annotations

from supportctl.services.outbound.delivery import (
    ACK_MAX_AGE_HOURS,
    OUTBOX_ENV,
    Outcome,
    Sent,
    Skipped,
    reply_target,
    require_ticket,
    transport_for,
)
from supportctl.services.outbound.notices import (
    acknowledge,
    acknowledge_new,
    alert_mail,
    notify_delegation,
    notify_status,
    send_document,
)
from supportctl.services.outbound.reminders import (
    RemindReport,
    remind,
)
from supportctl.services.outbound.replies import (
    canned,
    draft,
    is_empty_reply,
    reply,
    save_draft,
    templates,
)

__all__ = [
    "ACK_MAX_AGE_HOURS",
    "OUTBOX_ENV",
    "Outcome",
    "RemindReport",
    "Sent",
    "Skipped",
    "acknowledge",
    "acknowledge_new",
    "alert_mail",
    "canned",
    "draft",
    "is_empty_reply",
    "notify_delegation",
    "notify_status",
    "remind",
    "reply",
    "reply_target",
    "require_ticket",
    "save_draft",
    "send_document",
    "templates",
    "transport_for",
]
