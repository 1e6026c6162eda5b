"""Customers, their mail domains and contacts.

The domain records are imported when a row is first turned into one, so `log`, which
only looks ids up here, does not pay for defining them at start-up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from supportctl.store.db import Row, Store

if TYPE_CHECKING:
    from supportctl.domain.models import Contact, Customer

_CUSTOMER_COLUMNS = (
    "slug",
    "name",
    "plan",
    "level",
    "rate_minor",
    "currency",
    "vat",
    "included_minutes",
    "locale",
    "hours",
    "reaction_minutes",
    "billing_step_minutes",
    "carry_over",
    "address",
    "vat_id",
    "country",
    "raise_level",
    "raise_hours",
    "raise_until",
    "monthly_fee_minor",
    "plan_start",
    "plan_end",
    "company_id",
    "billing_email",
    "timezone",
)


def _customer(row: sqlite3.Row, domains: tuple[str, ...]) -> Customer:
    from supportctl.domain.models import Customer, Money

    return Customer(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        plan=row["plan"],
        level=row["level"],
        rate=Money(row["rate_minor"], row["currency"]),
        vat=row["vat"],
        included_minutes=row["included_minutes"],
        locale=row["locale"],
        hours=row["hours"],
        reaction_minutes=row["reaction_minutes"],
        billing_step_minutes=row["billing_step_minutes"],
        carry_over=bool(row["carry_over"]),
        address=row["address"],
        vat_id=row["vat_id"],
        country=row["country"],
        domains=domains,
        raise_level=row["raise_level"],
        raise_hours=row["raise_hours"],
        raise_until=date.fromisoformat(row["raise_until"]) if row["raise_until"] else None,
        monthly_fee_minor=row["monthly_fee_minor"],
        plan_start=date.fromisoformat(row["plan_start"]) if row["plan_start"] else None,
        plan_end=date.fromisoformat(row["plan_end"]) if row["plan_end"] else None,
        company_id=row["company_id"],
        billing_email=row["billing_email"],
        timezone=row["timezone"],
    )


def _domains(store: Store, customer_id: int) -> tuple[str, ...]:
    return tuple(
        r[0]
        for r in store.all(
            "SELECT domain FROM customer_domains WHERE customer_id = ? ORDER BY domain",
            (customer_id,),
        )
    )


def get_by_slug(store: Store, slug: str) -> Customer | None:
    row = store.one("SELECT * FROM customers WHERE slug = ?", (slug,))
    return None if row is None else _customer(row, _domains(store, row["id"]))


def get_by_id(store: Store, customer_id: int) -> Customer | None:
    row = store.one("SELECT * FROM customers WHERE id = ?", (customer_id,))
    return None if row is None else _customer(row, _domains(store, row["id"]))


def list_all(store: Store) -> list[Customer]:
    domains: dict[int, list[str]] = {}
    for r in store.all("SELECT customer_id, domain FROM customer_domains ORDER BY domain"):
        domains.setdefault(r["customer_id"], []).append(r["domain"])
    return [
        _customer(r, tuple(domains.get(r["id"], ())))
        for r in store.all("SELECT * FROM customers ORDER BY slug")
    ]


def insert(store: Store, values: dict[str, Any], domains: list[str], created_at: str) -> int:
    cols = [c for c in _CUSTOMER_COLUMNS if c in values]
    new_id = store.insert(
        f"INSERT INTO customers ({', '.join(cols)}, created_at) VALUES ({', '.join('?' for _ in cols)}, ?)",
        [values[c] for c in cols] + [created_at],
    )
    customer_id = new_id
    for domain in domains:
        store.execute(
            "INSERT INTO customer_domains (domain, customer_id) VALUES (?, ?)",
            (domain, customer_id),
        )
    return customer_id


def update(store: Store, customer_id: int, values: dict[str, Any]) -> None:
    cols = [c for c in _CUSTOMER_COLUMNS if c in values]
    if cols:
        store.execute(
            f"UPDATE customers SET {', '.join(f'{c} = ?' for c in cols)}, version = version + 1 WHERE id = ?",
            [values[c] for c in cols] + [customer_id],
        )


def add_domain(store: Store, customer_id: int, domain: str) -> None:
    store.execute(
        "INSERT INTO customer_domains (domain, customer_id) VALUES (?, ?)", (domain, customer_id)
    )


def remove_domain(store: Store, customer_id: int, domain: str) -> int:
    return store.execute(
        "DELETE FROM customer_domains WHERE domain = ? AND customer_id = ?", (domain, customer_id)
    ).rowcount


def domain_owner(store: Store, domain: str) -> str | None:
    value = store.scalar(
        "SELECT c.slug FROM customer_domains d JOIN customers c ON c.id = d.customer_id WHERE d.domain = ?",
        (domain,),
    )
    return None if value is None else str(value)


def _contact(row: sqlite3.Row) -> Contact:
    from supportctl.domain.models import Contact

    return Contact(
        id=row["id"],
        customer=row["slug"],
        email=row["email"],
        name=row["name"],
        can_order=bool(row["can_order"]),
    )


def contacts(store: Store, customer_id: int | None = None) -> list[Contact]:
    sql = "SELECT ct.*, c.slug FROM contacts ct JOIN customers c ON c.id = ct.customer_id"
    params: tuple[Any, ...] = ()
    if customer_id is not None:
        sql += " WHERE ct.customer_id = ?"
        params = (customer_id,)
    return [_contact(r) for r in store.all(sql + " ORDER BY c.slug, ct.email", params)]


def contact_by_email(store: Store, email: str) -> Contact | None:
    row = store.one(
        "SELECT ct.*, c.slug FROM contacts ct JOIN customers c ON c.id = ct.customer_id WHERE ct.email = ? ORDER BY ct.id LIMIT 1",
        (email.lower(),),
    )
    return None if row is None else _contact(row)


def contact_for(store: Store, customer_id: int, email: str) -> Contact | None:
    row = store.one(
        "SELECT ct.*, c.slug FROM contacts ct JOIN customers c ON c.id = ct.customer_id WHERE ct.customer_id = ? AND ct.email = ?",
        (customer_id, email.lower()),
    )
    return None if row is None else _contact(row)


def insert_contact(
    store: Store, customer_id: int, email: str, name: str, can_order: bool, created_at: str
) -> int:
    new_id = store.insert(
        "INSERT INTO contacts (customer_id, email, name, can_order, created_at) VALUES (?, ?, ?, ?, ?)",
        (customer_id, email.lower(), name, int(can_order), created_at),
    )
    return new_id


def update_contact(
    store: Store, contact_id: int, *, email: str, name: str, can_order: bool
) -> None:
    store.execute(
        "UPDATE contacts SET email = ?, name = ?, can_order = ? WHERE id = ?",
        (email.lower(), name, int(can_order), contact_id),
    )


def delete_contact(store: Store, contact_id: int) -> None:
    store.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))


def id_by_slug(store: Store, slug: str) -> int | None:
    return id_by_slug_later(store, slug)()


def id_by_slug_later(store: Store, slug: str) -> Callable[[], int | None]:
    """`id_by_slug` when called, sent now (with the next statement on a server)."""
    rows = store.prefetch("SELECT id FROM customers WHERE slug = ?", (slug,))
    return lambda: int(found[0][0]) if (found := rows()) else None


def exists(store: Store, customer_id: int) -> bool:
    return store.scalar("SELECT id FROM customers WHERE id = ?", (customer_id,)) is not None


def slug_by_id(store: Store, customer_id: int) -> str | None:
    return slug_by_id_later(store, customer_id)()


def slug_of_ticket_later(store: Store, ticket_id: int) -> Callable[[], str | None]:
    """The slug of the ticket's customer when called, sent now (before the ticket's row,
    with its read on a server)."""
    rows = store.prefetch(
        "SELECT c.slug FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE t.id = ?",
        (ticket_id,),
    )
    return lambda: str(found[0][0]) if (found := rows()) and found[0][0] is not None else None


def slug_by_id_later(store: Store, customer_id: int) -> Callable[[], str | None]:
    """`slug_by_id` when called, sent now (with the next statement on a server)."""
    rows = store.prefetch("SELECT slug FROM customers WHERE id = ?", (customer_id,))
    return lambda: str(found[0][0]) if (found := rows()) and found[0][0] is not None else None


def contacts_by_email(store: Store) -> dict[str, tuple[int, bool, str]]:
    """Every contact's address (lower-case) -> (customer id, can order, customer slug);
    an address that is a contact of several customers maps to one that can order."""
    contacts: dict[str, tuple[int, bool, str]] = {}
    for r in store.all(
        "SELECT ct.email, ct.customer_id, ct.can_order, c.slug FROM contacts ct "
        "JOIN customers c ON c.id = ct.customer_id ORDER BY ct.can_order"
    ):
        contacts[str(r["email"]).lower()] = (int(r["customer_id"]), bool(r["can_order"]), r["slug"])
    return contacts


def customers_by_domain(store: Store) -> dict[str, tuple[int, str]]:
    """Every customer mail domain (lower-case) -> (customer id, customer slug)."""
    return {
        str(r["domain"]).lower(): (int(r["customer_id"]), str(r["slug"]))
        for r in store.all(
            "SELECT d.domain, d.customer_id, c.slug FROM customer_domains d "
            "JOIN customers c ON c.id = d.customer_id"
        )
    }


def plan_rows(store: Store) -> list[Row]:
    """(id, slug, plan, included_minutes, carry_over) of every customer."""
    return plan_rows_later(store)()


def plan_rows_later(store: Store) -> Callable[[], list[Row]]:
    """`plan_rows` when called, sent now (with the next statement on a server)."""
    return store.prefetch("SELECT id, slug, plan, included_minutes, carry_over FROM customers")


def maintenance_plan_sizes(store: Store) -> tuple[int, ...]:
    """The distinct positive included minutes of maintenance customers, smallest first."""
    return tuple(
        int(r[0])
        for r in store.all(
            "SELECT DISTINCT included_minutes FROM customers "
            "WHERE plan = 'maintenance' AND included_minutes > 0 ORDER BY 1"
        )
    )


def can_order(store: Store, customer_id: int, email: str) -> bool:
    """True when `email` (already lower-case) is a designated contact of the customer."""
    row = store.one(
        "SELECT can_order FROM contacts WHERE customer_id = ? AND email = ?",
        (customer_id, email),
    )
    return row is not None and bool(row["can_order"])
