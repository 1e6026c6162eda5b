"""Finding a stored message by the reference a person types: a Message-ID header.

Row ids are looked up with `store.messages.get`; this module holds the header lookup.
"""

from __future__ import annotations

from supportctl.store.db import Row, Store


def first_by_message_id(store: Store, header: str) -> Row | None:
    """The first stored message whose Message-ID is `header` (`<…>` form) or the bare id."""
    return store.one(
        "SELECT * FROM messages WHERE message_id IN (?, ?) ORDER BY id LIMIT 1",
        (header, header.strip("<>")),
    )
