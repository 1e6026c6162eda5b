"""Mail out: replies, acknowledgements, status and delegation notices, reminders.

Every mail goes through `_deliver`, which is what makes them safe:

- The SMTP session is opened (connect, TLS, login) before the write lock is taken;
  then one transaction checks the loop guard and records the mail as *sending* (its
  exact bytes in `outgoing`, one `outbound_log` row per recipient) and commits. The
  bytes go to the server outside any transaction; then a second transaction records
  it as *sent*: the message (direction 'out'), a `mail.sent` event, and the ticket's
  first response when it is one. A send the server refuses or cannot take takes the
  sending record back: nothing is recorded as sent, the ticket is unchanged, and a
  reply's text is saved as a draft whose path the error names. Checking the rate caps
  inside the same write lock as the sending record means two `fetch` runs at once
  cannot both acknowledge the same sender.
- A process killed between the two leaves the mail recorded as sending. The next
  delivery (any mail out, `remind`, the `watch` schedule) sends it again, same bytes
  and Message-ID, and records it (`delivery.resume_unfinished`): a mail is never lost
  and never recorded as sent unless a server took it; at worst the recipient gets one
  mail twice under one Message-ID (killed after the server took it, before the record).
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
    resume_unfinished,
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
    "resume_unfinished",
    "save_draft",
    "send_document",
    "templates",
    "transport_for",
]
