"""Schema migrations: an ordered list of functions; the list position is the version.

Never edit a migration once released; append a new one named for the change. Each step
runs in its own transaction together with `PRAGMA user_version`, so a failing step
leaves the previous version intact. Before the first pending step on a file that
already holds data, a `VACUUM INTO <db>.before-v{n}.bak` copy is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from supportctl.domain.queue import queue_order_sql
from supportctl.store.db import SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlite_utils import Database

    from supportctl.store.db import Store

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate"]

MIGRATIONS: list[Callable[[Database], None]] = []
migration = MIGRATIONS.append


def _run(db: Database, ddl: str) -> None:
    for statement in ddl.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migration
def create_core_tables(db: Database) -> None:
    """Customers, contacts, people, skills, absences, events (the generic history)."""
    _run(
        db,
        """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    plan TEXT NOT NULL CHECK (plan IN ('maintenance', 'hosting', 'adhoc')),
    level TEXT NOT NULL DEFAULT 'standard' CHECK (level IN ('light', 'standard', 'premium')),
    rate_minor INTEGER NOT NULL CHECK (rate_minor >= 0),
    currency TEXT NOT NULL,
    vat TEXT NOT NULL,
    included_minutes INTEGER NOT NULL DEFAULT 0 CHECK (included_minutes >= 0),
    locale TEXT NOT NULL,
    hours TEXT NOT NULL DEFAULT 'business' CHECK (hours IN ('business', '24x7')),
    reaction_minutes INTEGER CHECK (reaction_minutes IS NULL OR reaction_minutes > 0),
    billing_step_minutes INTEGER NOT NULL DEFAULT 1 CHECK (billing_step_minutes >= 1),
    carry_over INTEGER NOT NULL DEFAULT 0,
    address TEXT NOT NULL DEFAULT '',
    vat_id TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    raise_level TEXT CHECK (raise_level IS NULL OR raise_level IN ('light', 'standard', 'premium')),
    raise_hours TEXT CHECK (raise_hours IS NULL OR raise_hours IN ('business', '24x7')),
    raise_until TEXT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE customer_domains (
    domain TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE
);
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    can_order INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (customer_id, email)
);
CREATE INDEX contacts_email ON contacts(email);
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX people_email ON people(email);
CREATE TABLE skills (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (person_id, skill)
);
CREATE INDEX skills_skill ON skills(skill, level);
CREATE TABLE absences (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    CHECK (start_date <= end_date)
);
CREATE INDEX absences_person ON absences(person_id, start_date);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    kind TEXT NOT NULL,
    ticket_id INTEGER,
    customer_id INTEGER,
    subject_ref TEXT,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_ticket ON events(ticket_id, id);
CREATE INDEX events_kind ON events(kind, id);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
""",
    )


@migration
def create_mail_and_ticket_tables(db: Database) -> None:
    """Tickets, messages with raw bytes, attachments in content-addressed blobs, sync state."""
    _run(
        db,
        """
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id),
    requester TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'request' CHECK (kind IN ('incident', 'request')),
    urgency TEXT NOT NULL DEFAULT 'normal' CHECK (urgency IN ('urgent', 'normal')),
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'waiting', 'resolved', 'closed')),
    owner_id INTEGER REFERENCES people(id),
    classification TEXT NOT NULL DEFAULT 'human',
    is_triage INTEGER NOT NULL DEFAULT 0,
    needs_approval INTEGER NOT NULL DEFAULT 0,
    approval_message_id INTEGER,
    approval_override TEXT,
    level TEXT NOT NULL DEFAULT 'standard',
    hours TEXT NOT NULL DEFAULT 'business',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    first_response_at TEXT,
    resolved_at TEXT,
    closed_at TEXT,
    due_response_at TEXT,
    due_resolution_at TEXT,
    waiting_since TEXT,
    paused_minutes INTEGER NOT NULL DEFAULT 0,
    merged_into INTEGER REFERENCES tickets(id),
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tickets_status ON tickets(status, created_at);
CREATE INDEX tickets_customer ON tickets(customer_id, created_at);
CREATE INDEX tickets_owner ON tickets(owner_id, status);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    message_id TEXT NOT NULL DEFAULT '',
    body_hash TEXT NOT NULL,
    in_reply_to TEXT NOT NULL DEFAULT '',
    refs TEXT NOT NULL DEFAULT '',
    from_addr TEXT NOT NULL DEFAULT '',
    from_name TEXT NOT NULL DEFAULT '',
    to_addrs TEXT NOT NULL DEFAULT '',
    cc_addrs TEXT NOT NULL DEFAULT '',
    date TEXT,
    arrived_at TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    text_body TEXT NOT NULL DEFAULT '',
    classification TEXT NOT NULL DEFAULT 'human',
    auth_dmarc TEXT,
    auth_dkim TEXT,
    auth_spf TEXT,
    is_blocked INTEGER NOT NULL DEFAULT 0,
    is_own INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    raw_codec TEXT NOT NULL DEFAULT 'none',
    raw BLOB NOT NULL,
    UNIQUE (message_id, body_hash)
);
CREATE INDEX messages_ticket ON messages(ticket_id, arrived_at);
CREATE INDEX messages_msgid ON messages(message_id);
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    filename TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    size INTEGER NOT NULL DEFAULT 0,
    blob_sha256 TEXT REFERENCES blobs(sha256),
    UNIQUE (message_id, position)
);
CREATE TABLE mail_state (
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL DEFAULT 0,
    synced_at TEXT,
    PRIMARY KEY (account, folder)
);
CREATE TABLE message_locations (
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message_row INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    PRIMARY KEY (account, folder, uidvalidity, uid)
);
CREATE TABLE blocked (
    pattern TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    actor TEXT
)
""",
    )


@migration
def create_work_tables(db: Database) -> None:
    """Rota, holiday cache, delegations, reviews, time entries, timers, invoices, fees, outbound log."""
    _run(
        db,
        """
CREATE TABLE rota_order (
    position INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id)
);
CREATE TABLE rota_swaps (
    week TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    created_at TEXT NOT NULL
);
CREATE TABLE holidays_cache (
    country TEXT NOT NULL,
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (country, day)
);
CREATE TABLE holidays_years (
    country TEXT NOT NULL,
    year INTEGER NOT NULL,
    PRIMARY KEY (country, year)
);
CREATE TABLE delegations (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    task TEXT NOT NULL,
    skill TEXT,
    to_person_id INTEGER NOT NULL REFERENCES people(id),
    by_person_id INTEGER REFERENCES people(id),
    estimate_minutes INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_at TEXT NOT NULL,
    done_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX delegations_open ON delegations(status, to_person_id, created_at);
CREATE INDEX delegations_ticket ON delegations(ticket_id);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    by_person TEXT,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE time_entries (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    ticket_id INTEGER REFERENCES tickets(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes >= 1 AND minutes <= 1440),
    description TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'work' CHECK (kind IN ('work', 'messaging')),
    is_internal INTEGER NOT NULL DEFAULT 0,
    class_override TEXT,
    corrects_invoice TEXT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX time_entries_person ON time_entries(person_id, start_at);
CREATE INDEX time_entries_customer ON time_entries(customer_id, start_at);
CREATE INDEX time_entries_ticket ON time_entries(ticket_id, start_at);
CREATE INDEX time_entries_start ON time_entries(start_at);
CREATE TABLE timers (
    person_id INTEGER PRIMARY KEY REFERENCES people(id),
    ticket_id INTEGER REFERENCES tickets(id),
    customer_id INTEGER REFERENCES customers(id),
    description TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL
);
CREATE TABLE invoice_sequences (
    year INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL
);
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    month TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'void')),
    void_reason TEXT,
    currency TEXT NOT NULL,
    net_minor INTEGER NOT NULL,
    vat_minor INTEGER NOT NULL,
    gross_minor INTEGER NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX invoices_customer_month ON invoices(customer_id, month, status);
CREATE TABLE invoice_documents (
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    format TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (invoice_id, format)
);
CREATE TABLE invoice_lines (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    entry_id INTEGER REFERENCES time_entries(id),
    fee_id INTEGER,
    class TEXT NOT NULL,
    minutes INTEGER NOT NULL DEFAULT 0,
    billed_minutes INTEGER NOT NULL DEFAULT 0,
    amount_minor INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invoice_lines_entry ON invoice_lines(entry_id);
CREATE TABLE fees (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    day TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX fees_customer_day ON fees(customer_id, day);
CREATE TABLE outbound_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    address TEXT NOT NULL,
    kind TEXT NOT NULL,
    ticket_id INTEGER,
    is_automatic INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbound_log_address ON outbound_log(address, at)
""",
    )


@migration
def add_attachment_transfer_encoding(db: Database) -> None:
    """Attachments are stored as they appear in the mail (not decoded while fetching)."""
    _run(
        db,
        """
ALTER TABLE attachments ADD COLUMN transfer_encoding TEXT NOT NULL DEFAULT 'binary';
CREATE INDEX attachments_blob ON attachments(blob_sha256)
""",
    )


_FTS = "tokenize = 'unicode61 remove_diacritics 2'"


@migration
def add_search_index_and_queue_index(db: Database) -> None:
    """FTS5 over ticket subjects, message texts and notes; the inbox's partial index.

    One FTS table per source with the source row's id as rowid, kept current by
    triggers: a search reads each newest first by rowid, and a changed row is replaced
    by rowid without scanning. `tickets_queue` holds only open tickets, in queue order
    (urgent, premium, standard, light, oldest), so the inbox costs the same whatever
    the history.
    """
    statements = [
        f"CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, {_FTS})",
        f"CREATE VIRTUAL TABLE messages_fts USING fts5(subject, body, {_FTS})",
        f"CREATE VIRTUAL TABLE notes_fts USING fts5(body, {_FTS})",
        "INSERT INTO tickets_fts (rowid, subject) SELECT id, subject FROM tickets",
        "INSERT INTO messages_fts (rowid, subject, body) SELECT id, subject, text_body FROM messages",
        "INSERT INTO notes_fts (rowid, body) SELECT id, json_extract(data, '$.text') FROM events "
        "WHERE kind = 'ticket.note'",
        "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN "
        "INSERT INTO tickets_fts (rowid, subject) VALUES (new.id, new.subject); END",
        "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets BEGIN "
        "DELETE FROM tickets_fts WHERE rowid = old.id; "
        "INSERT INTO tickets_fts (rowid, subject) VALUES (new.id, new.subject); END",
        "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN "
        "DELETE FROM tickets_fts WHERE rowid = old.id; END",
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
        "INSERT INTO messages_fts (rowid, subject, body) VALUES (new.id, new.subject, new.text_body); END",
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, text_body ON messages BEGIN "
        "DELETE FROM messages_fts WHERE rowid = old.id; "
        "INSERT INTO messages_fts (rowid, subject, body) VALUES (new.id, new.subject, new.text_body); END",
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
        "DELETE FROM messages_fts WHERE rowid = old.id; END",
        "CREATE TRIGGER notes_fts_insert AFTER INSERT ON events WHEN new.kind = 'ticket.note' BEGIN "
        "INSERT INTO notes_fts (rowid, body) VALUES (new.id, json_extract(new.data, '$.text')); END",
        "CREATE TRIGGER notes_fts_delete AFTER DELETE ON events WHEN old.kind = 'ticket.note' BEGIN "
        "DELETE FROM notes_fts WHERE rowid = old.id; END",
        f"CREATE INDEX tickets_queue ON tickets ({queue_order_sql()}) "
        "WHERE status IN ('new', 'open', 'waiting')",
        "CREATE INDEX tickets_resolved ON tickets (resolved_at) WHERE status = 'resolved'",
    ]
    for statement in statements:
        db.execute(statement)


@migration
def add_time_entry_covering_indexes(db: Database) -> None:
    """Indexes that let `log list --month` and the invoices classify a month from the index.

    `time_entries_facts` covers every column the billing rules read, in start order, so
    a month of entries is read without touching the table rows; `tickets_unapproved`
    holds only tickets whose billable work still waits for approval.
    """
    db.execute(
        "CREATE INDEX time_entries_facts ON time_entries "
        "(start_at, id, customer_id, minutes, kind, is_internal, class_override, ticket_id)"
    )
    db.execute(
        "CREATE INDEX time_entries_customer_facts ON time_entries "
        "(customer_id, start_at, id, minutes, kind, is_internal, class_override, ticket_id)"
    )
    db.execute(
        "CREATE INDEX tickets_unapproved ON tickets (id) WHERE needs_approval = 1 "
        "AND approval_message_id IS NULL AND approval_override IS NULL"
    )


@migration
def add_ticket_merge_and_created_indexes(db: Database) -> None:
    """`ticket show` finds the tickets merged into one without a scan; `report` reads a
    month of tickets by creation time."""
    db.execute("CREATE INDEX tickets_merged ON tickets (merged_into) WHERE merged_into IS NOT NULL")
    db.execute("CREATE INDEX tickets_created ON tickets (created_at)")


@migration
def cover_open_delegation_work(db: Database) -> None:
    """The Monday review sums each person's open estimates: carry `estimate_minutes` in
    the open-task index so the summary never reads the table (done tasks stay out)."""
    db.execute("DROP INDEX delegations_open")
    db.execute(
        "CREATE INDEX delegations_open ON delegations (status, to_person_id, created_at, estimate_minutes)"
    )


@migration
def cover_the_queue_filters(db: Database) -> None:
    """The inbox index also carries classification, owner and customer, so counting the
    queue (and filtering it by `--mine` / `--customer`) reads the index alone."""
    db.execute("DROP INDEX tickets_queue")
    db.execute(
        f"CREATE INDEX tickets_queue ON tickets ({queue_order_sql()}, "
        "classification, owner_id, customer_id) "
        "WHERE status IN ('new', 'open', 'waiting')"
    )


@migration
def blobs_may_point_into_raw_mail(db: Database) -> None:
    """An attachment blob may be a range of a stored message's raw bytes instead of a
    copy (`data` empty, `message_row` and `raw_offset` set): big attachments are then
    written once, not twice, while fetching."""
    db.execute("ALTER TABLE blobs ADD COLUMN message_row INTEGER REFERENCES messages(id)")
    db.execute("ALTER TABLE blobs ADD COLUMN raw_offset INTEGER")


@migration
def index_class_overrides(db: Database) -> None:
    """The few entries with a stored class override, by start: a month listing totals
    the month from sums and needs only these (and those waiting for approval) one by one."""
    db.execute(
        "CREATE INDEX time_entries_overrides ON time_entries (start_at) "
        "WHERE class_override IS NOT NULL"
    )


@migration
def add_month_totals_cache(db: Database) -> None:
    """Per customer-month class totals, kept by `log list --month` so a month of
    thousands of entries is not summed again on every listing.

    A row is only a cache: triggers delete it whenever anything it was computed from
    changes (an entry starting in its month or, for carry-over, the month before; the
    ticket approvals; the customer's plan), and a row of another program version or
    time zone is ignored. Deleting every row is always safe.
    """
    db.execute(
        """
        CREATE TABLE month_totals (
            customer_id INTEGER NOT NULL,
            month TEXT NOT NULL,            -- local calendar month, YYYY-MM
            tz TEXT NOT NULL,               -- the agency time zone it was computed in
            rules TEXT NOT NULL,            -- the program and rules version that computed it
            since TEXT NOT NULL,            -- UTC start of what it depends on
            until TEXT NOT NULL,            -- UTC end of the month (exclusive)
            entries INTEGER NOT NULL,
            included INTEGER NOT NULL,
            billable INTEGER NOT NULL,
            non_billable INTEGER NOT NULL,
            needs_approval INTEGER NOT NULL,
            quota_included INTEGER NOT NULL,  -- own plus carried-in minutes
            carried_in INTEGER NOT NULL,
            quota_minutes INTEGER NOT NULL,   -- minutes that use the quota
            PRIMARY KEY (customer_id, month, tz)
        ) WITHOUT ROWID
        """
    )
    forget = (
        "DELETE FROM month_totals WHERE customer_id = {row}.customer_id "
        "AND {row}.start_at >= since AND {row}.start_at < until;"
    )
    statements = [
        "CREATE TRIGGER time_entries_forget_totals_insert AFTER INSERT ON time_entries "
        f"BEGIN {forget.format(row='NEW')} END",
        "CREATE TRIGGER time_entries_forget_totals_delete AFTER DELETE ON time_entries "
        f"BEGIN {forget.format(row='OLD')} END",
        "CREATE TRIGGER time_entries_forget_totals_update AFTER UPDATE ON time_entries "
        f"BEGIN {forget.format(row='OLD')} {forget.format(row='NEW')} END",
        "CREATE TRIGGER tickets_forget_totals AFTER UPDATE ON tickets "
        "WHEN OLD.needs_approval IS NOT NEW.needs_approval "
        "OR OLD.approval_message_id IS NOT NEW.approval_message_id "
        "OR OLD.approval_override IS NOT NEW.approval_override "
        "BEGIN DELETE FROM month_totals WHERE customer_id IN "
        "(SELECT customer_id FROM time_entries WHERE ticket_id = NEW.id); END",
        "CREATE TRIGGER tickets_forget_totals_delete AFTER DELETE ON tickets "
        "BEGIN DELETE FROM month_totals; END",
        "CREATE TRIGGER customers_forget_totals AFTER UPDATE ON customers "
        "WHEN OLD.plan IS NOT NEW.plan OR OLD.included_minutes IS NOT NEW.included_minutes "
        "OR OLD.carry_over IS NOT NEW.carry_over "
        "BEGIN DELETE FROM month_totals WHERE customer_id = NEW.id; END",
        "CREATE TRIGGER customers_forget_totals_delete AFTER DELETE ON customers "
        "BEGIN DELETE FROM month_totals WHERE customer_id = OLD.id; END",
    ]
    for statement in statements:
        db.execute(statement)


@migration
def add_knowledge_base(db: Database) -> None:
    """Articles (title, Markdown body, language, visibility, tags, translations, the
    ticket one was written from), every change of one kept whole in `article_history`,
    each use in a reply in `article_uses` (counted where read, never copied).

    An article is removed by marking it (`removed_at`), so its history and uses stay.
    The full-text part (articles, and resolved tickets by subject and first customer
    message for suggestions) is SQLite FTS5: its tables are made here, its queries
    live in `store/kb_search.py` only.
    """
    _run(
        db,
        """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    body TEXT NOT NULL,
    lang TEXT NOT NULL CHECK (lang IN ('fi', 'cs', 'en')),
    visibility TEXT NOT NULL DEFAULT 'internal' CHECK (visibility IN ('internal', 'shared')),
    translation_of INTEGER REFERENCES articles(id),
    ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    changed_by TEXT,
    changed_at TEXT NOT NULL,
    removed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX articles_translation ON articles(translation_of) WHERE translation_of IS NOT NULL;
CREATE INDEX articles_ticket ON articles(ticket_id) WHERE ticket_id IS NOT NULL;
CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
);
CREATE INDEX article_tags_tag ON article_tags(tag, article_id);
CREATE TABLE article_history (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    at TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL CHECK (action IN ('created', 'edited', 'removed')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    lang TEXT NOT NULL,
    visibility TEXT NOT NULL,
    tags TEXT NOT NULL,
    translation_of INTEGER
);
CREATE INDEX article_history_article ON article_history(article_id, id);
CREATE TABLE article_uses (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor TEXT
);
CREATE INDEX article_uses_article ON article_uses(article_id, at);
CREATE INDEX article_uses_ticket ON article_uses(ticket_id)
""",
    )
    solved = (
        "INSERT INTO solved_fts (rowid, subject, body) SELECT t.id, t.subject, coalesce(("
        "SELECT substr(m.text_body, 1, 4000) FROM messages m WHERE m.ticket_id = t.id "
        "AND m.direction = 'in' ORDER BY m.arrived_at, m.id LIMIT 1), ("
        "SELECT substr(json_extract(e.data, '$.text'), 1, 4000) FROM events e "
        "WHERE e.ticket_id = t.id AND e.kind = 'ticket.note' ORDER BY e.id LIMIT 1), '') "
        "FROM tickets t WHERE {where}"
    )
    statements = [
        f"CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, {_FTS})",
        "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles "
        "WHEN new.removed_at IS NULL BEGIN "
        "INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END",
        "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body, removed_at ON articles "
        "BEGIN DELETE FROM articles_fts WHERE rowid = old.id; "
        "INSERT INTO articles_fts (rowid, title, body) SELECT new.id, new.title, new.body "
        "WHERE new.removed_at IS NULL; END",
        # Resolved and closed tickets by subject and first customer message: what a new
        # ticket is compared with for "similar resolved tickets". Kept by triggers on
        # the ticket's status, subject and merge.
        f"CREATE VIRTUAL TABLE solved_fts USING fts5(subject, body, {_FTS})",
        solved.format(where="t.status IN ('resolved', 'closed') AND t.merged_into IS NULL"),
        "CREATE TRIGGER tickets_solved_insert AFTER INSERT ON tickets "
        "WHEN new.status IN ('resolved', 'closed') AND new.merged_into IS NULL BEGIN "
        + solved.format(where="t.id = new.id")
        + "; END",
        "CREATE TRIGGER tickets_solved_update AFTER UPDATE OF status, subject, merged_into "
        "ON tickets BEGIN DELETE FROM solved_fts WHERE rowid = old.id; "
        + solved.format(
            where="t.id = new.id AND new.status IN ('resolved', 'closed') AND new.merged_into IS NULL"
        )
        + "; END",
        "CREATE TRIGGER tickets_solved_delete AFTER DELETE ON tickets BEGIN "
        "DELETE FROM solved_fts WHERE rowid = old.id; END",
    ]
    for statement in statements:
        db.execute(statement)


@migration
def add_forced_rota_swaps(db: Database) -> None:
    """A swap made with --force keeps its person on duty though they are away that week."""
    db.execute("ALTER TABLE rota_swaps ADD COLUMN forced INTEGER NOT NULL DEFAULT 0")


@migration
def add_plan_fee_payment_reference_and_credit_notes(db: Database) -> None:
    """The plan's monthly fee and its start and end (a fee pro-rated by days), the
    customer's business ID (IČO), billing address and time zone, each issued invoice's payment
    reference (viitenumero, RF reference or variabilní symbol) and when it was sent,
    and credit notes: rows of kind 'credit' that name the invoice they credit."""
    _run(
        db,
        """
ALTER TABLE customers ADD COLUMN monthly_fee_minor INTEGER NOT NULL DEFAULT 0
    CHECK (monthly_fee_minor >= 0);
ALTER TABLE customers ADD COLUMN plan_start TEXT;
ALTER TABLE customers ADD COLUMN plan_end TEXT;
ALTER TABLE customers ADD COLUMN company_id TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN billing_email TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN reference TEXT;
ALTER TABLE invoices ADD COLUMN kind TEXT NOT NULL DEFAULT 'invoice'
    CHECK (kind IN ('invoice', 'credit'));
ALTER TABLE invoices ADD COLUMN credits TEXT;
ALTER TABLE invoices ADD COLUMN sent_at TEXT
""",
    )


@migration
def add_watch_locks_and_sync_status(db: Database) -> None:
    """`supportctl watch`: one lock row per watched name (an account, or the schedule of
    reminders, auto-close and alerts) with its holder and heartbeat, so a second watch
    can say who holds it and a lock left by a killed process is taken over; and per
    account and folder the last successful sync and the last error, for `status`."""
    _run(
        db,
        """
CREATE TABLE watch_locks (
    name TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    since TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);
CREATE TABLE sync_status (
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    ok_at TEXT,
    ok_via TEXT,                     -- 'watch' or 'fetch': which kind of run synced it
    error_at TEXT,
    error TEXT,
    PRIMARY KEY (account, folder)
)
""",
    )


@migration
def add_mail_quarantine(db: Database) -> None:
    """Mail that could not be parsed or stored: raw bytes and the error, until `reparse`
    stores it. The sync state moves past such a message, so it never stops intake.
    `messages.parse_limits` records where a cap cut a header or a list. A bounce of our
    own reply names it (`messages.bounce_of`, `bounce_reason`) and marks the ticket
    (`tickets.bounced_at`) until the next reply goes out."""
    _run(
        db,
        """
CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL DEFAULT '',
    account TEXT,
    folder TEXT,
    uidvalidity INTEGER,
    uid INTEGER,
    arrived_at TEXT,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT,
    message_row INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    size INTEGER NOT NULL,
    raw BLOB NOT NULL
);
CREATE INDEX quarantine_open ON quarantine(resolved_at, id);
ALTER TABLE messages ADD COLUMN parse_limits TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN bounce_of INTEGER REFERENCES messages(id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN bounce_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN bounced_at TEXT
""",
    )


# The customer token a search row carries: `c<id>` (`c0` for a ticket with none).
_CUSTOMER_OF_TICKET = "'c' || coalesce((SELECT customer_id FROM tickets WHERE id = {ticket}), 0)"


@migration
def search_index_knows_the_customer(db: Database) -> None:
    """Each search row carries its ticket's customer as a token (`customer` column), so
    `search WORD --customer X` intersects the word with the customer inside FTS5
    instead of joining every match to `messages` (whose rows carry the raw mail) and
    `tickets`. The three FTS tables are rebuilt with the column; triggers keep the
    token current when a ticket changes customer or a message or note changes ticket.
    """
    message_customer = _CUSTOMER_OF_TICKET.format(ticket="new.ticket_id")
    statements = [
        "DROP TRIGGER tickets_fts_insert",
        "DROP TRIGGER tickets_fts_update",
        "DROP TRIGGER tickets_fts_delete",
        "DROP TRIGGER messages_fts_insert",
        "DROP TRIGGER messages_fts_update",
        "DROP TRIGGER messages_fts_delete",
        "DROP TRIGGER notes_fts_insert",
        "DROP TRIGGER notes_fts_delete",
        "DROP TABLE tickets_fts",
        "DROP TABLE messages_fts",
        "DROP TABLE notes_fts",
        f"CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, customer, {_FTS})",
        f"CREATE VIRTUAL TABLE messages_fts USING fts5(subject, body, customer, {_FTS})",
        f"CREATE VIRTUAL TABLE notes_fts USING fts5(body, customer, {_FTS})",
        "INSERT INTO tickets_fts (rowid, subject, customer) "
        "SELECT id, subject, 'c' || coalesce(customer_id, 0) FROM tickets",
        "INSERT INTO messages_fts (rowid, subject, body, customer) "
        "SELECT m.id, m.subject, m.text_body, 'c' || coalesce(t.customer_id, 0) "
        "FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id",
        "INSERT INTO notes_fts (rowid, body, customer) "
        "SELECT e.id, json_extract(e.data, '$.text'), 'c' || coalesce(t.customer_id, 0) "
        "FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id WHERE e.kind = 'ticket.note'",
        "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN "
        "INSERT INTO tickets_fts (rowid, subject, customer) "
        "VALUES (new.id, new.subject, 'c' || coalesce(new.customer_id, 0)); END",
        "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, customer_id ON tickets BEGIN "
        "DELETE FROM tickets_fts WHERE rowid = old.id; "
        "INSERT INTO tickets_fts (rowid, subject, customer) "
        "VALUES (new.id, new.subject, 'c' || coalesce(new.customer_id, 0)); END",
        "CREATE TRIGGER tickets_fts_customer AFTER UPDATE OF customer_id ON tickets "
        "WHEN coalesce(old.customer_id, 0) != coalesce(new.customer_id, 0) BEGIN "
        "UPDATE messages_fts SET customer = 'c' || coalesce(new.customer_id, 0) "
        "WHERE rowid IN (SELECT id FROM messages WHERE ticket_id = new.id); "
        "UPDATE notes_fts SET customer = 'c' || coalesce(new.customer_id, 0) "
        "WHERE rowid IN (SELECT id FROM events WHERE ticket_id = new.id AND kind = 'ticket.note'); "
        "END",
        "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN "
        "DELETE FROM tickets_fts WHERE rowid = old.id; END",
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
        "INSERT INTO messages_fts (rowid, subject, body, customer) "
        f"VALUES (new.id, new.subject, new.text_body, {message_customer}); END",
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, text_body, ticket_id "
        "ON messages BEGIN DELETE FROM messages_fts WHERE rowid = old.id; "
        "INSERT INTO messages_fts (rowid, subject, body, customer) "
        f"VALUES (new.id, new.subject, new.text_body, {message_customer}); END",
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
        "DELETE FROM messages_fts WHERE rowid = old.id; END",
        "CREATE TRIGGER notes_fts_insert AFTER INSERT ON events WHEN new.kind = 'ticket.note' BEGIN "
        "INSERT INTO notes_fts (rowid, body, customer) "
        f"VALUES (new.id, json_extract(new.data, '$.text'), {message_customer}); END",
        "CREATE TRIGGER notes_fts_update AFTER UPDATE OF ticket_id ON events "
        "WHEN new.kind = 'ticket.note' BEGIN "
        f"UPDATE notes_fts SET customer = {message_customer} WHERE rowid = new.id; END",
        "CREATE TRIGGER notes_fts_delete AFTER DELETE ON events WHEN old.kind = 'ticket.note' BEGIN "
        "DELETE FROM notes_fts WHERE rowid = old.id; END",
    ]
    for statement in statements:
        db.execute(statement)


@migration
def index_resolution_time_and_cover_minutes(db: Database) -> None:
    """`report MONTH` counts the month's resolved tickets from an index on `resolved_at`
    and sums each person's minutes of the month from a range (per person, by start) of
    an index that carries the minutes: no table row is read, of that month or another."""
    db.execute(
        "CREATE INDEX tickets_resolved_at ON tickets (resolved_at) WHERE merged_into IS NULL"
    )
    db.execute(
        "CREATE INDEX time_entries_person_minutes ON time_entries (person_id, start_at, minutes)"
    )


@migration
def keep_month_totals_per_person(db: Database) -> None:
    """Per person, customer and month class totals, kept next to `month_totals`, so
    `log list --person P` over all time sums kept rows instead of classifying every
    customer-month the person ever touched. A customer-month's person rows are valid
    while its `month_totals` row says `by_person = 1`; deleting that row (the triggers
    of `add_month_totals_cache` do, on any change it depends on) deletes them too.
    `month_totals` gets an index by month: a listing reads a range of months."""
    db.execute("ALTER TABLE month_totals ADD COLUMN by_person INTEGER NOT NULL DEFAULT 0")
    # the kept rows of a range of months, without walking every customer's
    db.execute("CREATE INDEX month_totals_month ON month_totals (month, tz, rules)")
    _run(
        db,
        """
CREATE TABLE person_month_totals (
    person_id INTEGER NOT NULL,
    tz TEXT NOT NULL,
    month TEXT NOT NULL,
    customer_id INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    included INTEGER NOT NULL,
    billable INTEGER NOT NULL,
    non_billable INTEGER NOT NULL,
    needs_approval INTEGER NOT NULL,
    PRIMARY KEY (person_id, tz, month, customer_id)
) WITHOUT ROWID;
CREATE INDEX person_month_totals_month ON person_month_totals (customer_id, month, tz);
CREATE TRIGGER month_totals_forget_people AFTER DELETE ON month_totals BEGIN
DELETE FROM person_month_totals WHERE customer_id = OLD.customer_id AND month = OLD.month
AND tz = OLD.tz; END
""",
    )


@migration
def index_the_whole_queue_and_its_flags(db: Database) -> None:
    """`inbox --all` reads every ticket in queue order from an index instead of sorting
    the whole history, and each row's flags from partial indexes that hold only what
    they flag: open delegations by ticket, and foreign-sender events by ticket (before,
    every event row of every ticket was read to find the few of that kind)."""
    db.execute(
        f"CREATE INDEX tickets_queue_all ON tickets ({queue_order_sql()}) WHERE merged_into IS NULL"
    )
    db.execute(
        "CREATE INDEX delegations_open_ticket ON delegations (ticket_id) WHERE status = 'open'"
    )
    db.execute(
        "CREATE INDEX events_foreign_sender ON events (ticket_id) "
        "WHERE kind = 'mail.foreign_sender'"
    )


@migration
def record_mail_before_sending(db: Database) -> None:
    """Mail out is recorded as sending, committed, sent, then recorded as sent: a row
    here is a mail between the two (`services/outbound/delivery.py`). It holds the exact
    bytes and what to record once the server took them, and which process is sending it,
    so a row whose process died is sent again (same Message-ID) by the next sender."""
    _run(
        db,
        """
CREATE TABLE outgoing (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    claimed_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    last_error TEXT NOT NULL DEFAULT '',
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    record TEXT NOT NULL,
    raw BLOB NOT NULL
)
""",
    )


if len(MIGRATIONS) != SCHEMA_VERSION:  # the constant opening a database compares with
    raise RuntimeError(
        f"store.db.SCHEMA_VERSION is {SCHEMA_VERSION} but there are {len(MIGRATIONS)} migrations"
    )


def migrate(store: Store) -> None:
    """Run every pending migration, each in its own transaction."""
    from sqlite_utils import Database

    from supportctl.errors import StoreError

    conn = store.conn
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > len(MIGRATIONS):
        raise StoreError(f"{store.path} was written by a newer supportctl (schema {current})")
    if current == len(MIGRATIONS):
        return
    has_data = current > 0
    if has_data:
        backup = store.path.with_name(f"{store.path.name}.before-v{current + 1}.bak")
        if not backup.exists():
            conn.execute("VACUUM INTO ?", (str(backup),))
    db = Database(conn)
    for version, step in enumerate(MIGRATIONS[current:], start=current + 1):
        with store.transaction():
            # Re-check inside the write lock: another process may have migrated meanwhile.
            now_at = conn.execute("PRAGMA user_version").fetchone()[0]
            if now_at >= version:
                continue
            step(db)
            conn.execute(f"PRAGMA user_version = {version}")
