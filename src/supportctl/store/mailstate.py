"""IMAP sync state: per account and folder, UIDVALIDITY and the highest UID stored.

The state row advances in the same transaction as the messages of a batch, so after a
crash the next run starts exactly after the last committed batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from supportctl.store.db import Store


@dataclass(frozen=True)
class FolderState:
    account: str
    folder: str
    uidvalidity: int
    last_uid: int


def get(store: Store, account: str, folder: str) -> FolderState | None:
    row = store.one(
        "SELECT uidvalidity, last_uid FROM mail_state WHERE account = ? AND folder = ?",
        (account, folder),
    )
    if row is None:
        return None
    return FolderState(account, folder, int(row["uidvalidity"]), int(row["last_uid"]))


def put(store: Store, account: str, folder: str, uidvalidity: int, last_uid: int, at: str) -> None:
    store.execute(
        "INSERT INTO mail_state (account, folder, uidvalidity, last_uid, synced_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, folder) DO UPDATE SET "
        "uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, "
        "synced_at = excluded.synced_at",
        (account, folder, uidvalidity, last_uid, at),
    )


def all_states(store: Store) -> list[FolderState]:
    return [
        FolderState(r["account"], r["folder"], int(r["uidvalidity"]), int(r["last_uid"]))
        for r in store.all("SELECT * FROM mail_state ORDER BY account, folder")
    ]


def stored_uids(store: Store, account: str, folder: str, uidvalidity: int, upto: int) -> set[int]:
    return {
        int(r[0])
        for r in store.all(
            "SELECT uid FROM message_locations WHERE account = ? AND folder = ? "
            "AND uidvalidity = ? AND uid <= ?",
            (account, folder, uidvalidity, upto),
        )
    }
