"""The imapclient adapter: STATUS, UID sizes, size-capped FETCH batches, MOVE.

Everything the importer asks of a server goes through `ImapSession`, which translates
imapclient, socket and ssl exceptions where the account is known: a network failure or
timeout becomes `TransientMailError` (the importer retries with back-off, resuming
after the last committed batch), anything else a `MailError` naming the account.

- A run with no new mail costs one `STATUS (UIDVALIDITY UIDNEXT)` per folder.
- New mail: `UID FETCH last+1:* (RFC822.SIZE)`, then batches capped by those sizes
  (`batch_bytes`), each `UID FETCH (BODY.PEEK[] INTERNALDATE)`: PEEK never sets \\Seen.
- The next batches are fetched and parsed by a forked process (its own connection)
  while the caller threads and commits the current one, at most two batches ahead, so
  memory stays bounded and the two cores both work.
- Moves to the archive folder (MOVE, else COPY + \\Deleted + UID EXPUNGE) happen only
  when the caller says so, after its commits and after the last batch has been read,
  so the connection is never used by two threads at once.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from supportctl.errors import MailError

if TYPE_CHECKING:
    from supportctl.config import ImapConfig

TIMEOUT_SECONDS = 60
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
PIPE_BYTES = 1 << 20  # the fetch process's pipe buffer (Linux caps it at pipe-max-size)


class TransientMailError(Exception):
    """A network problem worth retrying."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _reason(exc: BaseException) -> str:
    """The server's or library's words, readable: imaplib and imapclient raise with the
    server's bytes, whose str() is a Python repr (b'[AUTHENTICATIONFAILED] …')."""
    arg = exc.args[0] if len(exc.args) == 1 else None
    if isinstance(arg, bytes):
        text = arg.decode("utf-8", "replace")
    else:
        text = str(exc)
        repr_of_bytes = re.fullmatch(r"""b(['"])(.*)\1""", text.strip(), re.DOTALL)
        if repr_of_bytes:
            import ast

            try:
                text = ast.literal_eval(text.strip()).decode("utf-8", "replace")
            except (ValueError, SyntaxError):
                text = repr_of_bytes.group(2)
    text = " ".join(text.split())
    return text[:200] if text else exc.__class__.__name__


def _utc(moment: Any) -> datetime | None:
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:
        # imapclient normalises INTERNALDATE to local time without a zone
        return moment.astimezone(UTC)
    return moment.astimezone(UTC)


class ImapSession:
    def __init__(
        self, account: ImapConfig, password: str, *, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self.account = account
        self.password = password
        self.timeout = timeout
        self.client: Any = None
        self._selected: tuple[str, bool] | None = None

    # --- connection -------------------------------------------------------------

    def _where(self) -> str:
        a = self.account
        return f"imap account '{a.name}' ({a.host}:{a.port})"

    def _translate(self, exc: BaseException, doing: str) -> BaseException:
        from imapclient import exceptions as ie

        if isinstance(exc, ie.LoginError):
            return MailError(
                f"cannot log in to {self._where()} as {self.account.user}: {_reason(exc)}",
                hint="check user and password_command/password_env",
            )
        if isinstance(exc, ssl.SSLCertVerificationError):
            from supportctl.mail.tls import certificate_problem

            what, hint = certificate_problem(exc, self.account.host)
            return MailError(f"{self._where()}: {what}", hint=hint)
        if isinstance(
            exc,
            (
                socket.timeout,
                TimeoutError,
                ConnectionError,
                ssl.SSLError,
                ie.IMAPClientAbortError,
                EOFError,
            ),
        ):
            return TransientMailError(f"{doing}: {_reason(exc)}")
        if isinstance(exc, OSError):
            return TransientMailError(f"{doing}: {_reason(exc)}")
        return MailError(f"{self._where()}: {doing} failed: {_reason(exc)}")

    def __enter__(self) -> ImapSession:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        from imapclient import IMAPClient

        from supportctl.mail.tls import client_context

        a = self.account
        context = client_context(a.ca_file) if a.tls != "none" else None
        try:
            client = IMAPClient(
                a.host,
                port=a.port,
                ssl=a.tls == "implicit",
                ssl_context=context,
                timeout=self.timeout,
            )
            # IMAPClient turns imaplib's debug level up to 5 to route its chatter to a
            # logger; imaplib then formats a repr() of every fetched message (and of
            # each whole FETCH response) whether or not anything logs it. That cost
            # half the fetch time; nothing here reads those debug logs.
            client._imap.debug = 0
            if a.tls == "starttls":
                client.starttls(context)
            client.login(a.user, self.password)
        except Exception as exc:
            raise self._translate(exc, "connecting") from None
        self.client = client

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.logout()
        except Exception:  # already broken; nothing to save
            with contextlib.suppress(Exception):
                self.client.shutdown()
        self.client = None
        self._selected = None

    def _call(self, doing: str, fn: Any, *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except Exception as exc:
            raise self._translate(exc, doing) from None

    def _select(self, folder: str, *, writable: bool) -> None:
        if self._selected == (folder, writable) or (
            self._selected == (folder, True) and not writable
        ):
            return
        self._call(f"selecting {folder}", self.client.select_folder, folder, readonly=not writable)
        self._selected = (folder, writable)

    # --- reading ----------------------------------------------------------------

    def status(self, folder: str) -> tuple[int, int | None, int | None]:
        """(UIDVALIDITY, UIDNEXT, MESSAGES) in one round trip."""
        info = self._call(
            f"STATUS {folder}",
            self.client.folder_status,
            folder,
            [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"],
        )
        uidnext = info.get(b"UIDNEXT")
        messages = info.get(b"MESSAGES")
        return (
            int(info[b"UIDVALIDITY"]),
            None if uidnext is None else int(uidnext),
            None if messages is None else int(messages),
        )

    def sizes_after(self, folder: str, last_uid: int) -> list[tuple[int, int]]:
        """(uid, RFC822.SIZE) of every message with UID > last_uid, in UID order."""
        self._select(folder, writable=bool(self.account.archive_folder))
        found = self._call(
            f"listing new mail in {folder}", self.client.search, ["UID", f"{last_uid + 1}:*"]
        )
        uids = sorted(int(u) for u in found if int(u) > last_uid)  # `N:*` always matches the last
        sizes: list[tuple[int, int]] = []
        for start in range(0, len(uids), 2000):
            chunk = uids[start : start + 2000]
            sizes.extend(self._call(f"listing new mail in {folder}", self._sizes, chunk))
        return sizes

    def _sizes(self, uids: list[int]) -> list[tuple[int, int]]:
        """(uid, RFC822.SIZE) for `uids`, read with two regular expressions.

        IMAPClient's general response parser costs about 40 microseconds per line here,
        which a mailbox of 10,000 new messages pays before the first batch is fetched.
        """
        import imaplib

        imap = self.client._imap
        typ, data = imap.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"UID FETCH RFC822.SIZE: {typ} {data!r}")
        wanted = set(uids)
        found: dict[int, int] = {}
        for line in data:
            if not isinstance(line, bytes):
                continue
            uid = _UID.search(line)
            size = _SIZE.search(line)
            if uid is not None and size is not None and int(uid.group(1)) in wanted:
                found[int(uid.group(1))] = int(size.group(1))
        return [(uid, found[uid]) for uid in uids if uid in found]

    def uids_upto(self, folder: str, last_uid: int) -> list[int]:
        self._select(folder, writable=True)
        found = self._call(f"searching {folder}", self.client.search, ["UID", f"1:{last_uid}"])
        return sorted(int(u) for u in found if int(u) <= last_uid)

    def _fetch(self, folder: str, uids: list[int]) -> list[tuple[int, bytes, datetime | None]]:
        data = self._call(
            f"fetching from {folder}", self.client.fetch, uids, [b"BODY.PEEK[]", b"INTERNALDATE"]
        )
        out = []
        for uid in uids:
            item = data.get(uid)
            if item is None:
                continue  # expunged meanwhile
            raw = item.get(b"BODY[]")
            if raw is None:
                continue
            out.append((uid, bytes(raw), _utc(item.get(b"INTERNALDATE"))))
        return out

    def fetch_batches(
        self,
        folder: str,
        sizes: list[tuple[int, int]],
        batch_bytes: int,
        uidvalidity: int,
        prepare: Callable[[bytes], Any] | None = None,
    ) -> Iterator[list[tuple[int, bytes, datetime | None, Any]]]:
        """Batches of (uid, raw, internaldate, prepare(raw)) capped by `batch_bytes`.

        A forked fetcher process with its own connection downloads batches k+1 and k+2,
        and runs `prepare` (the parser) over them, while the caller threads and commits
        batch k: fetching and parsing on one core, the database on the other. The
        fetcher runs at most two batches ahead, so memory stays bounded. Where fork is not
        available the batches are fetched and prepared in turn on this connection.
        """
        groups = _groups(sizes, batch_bytes)
        if not groups:
            return
        import multiprocessing

        try:
            context = multiprocessing.get_context("fork")
        except ValueError:
            self._select(folder, writable=bool(self.account.archive_folder))
            for uids in groups:
                yield _prepared(self._fetch(folder, uids), prepare)
            return
        reader, writer = context.Pipe(duplex=False)
        if PIPE_BYTES:
            # A batch crosses the pipe in 1 MB steps instead of the default 64 KB: far
            # fewer reads, writes and wake-ups on both sides. Where the kernel refuses,
            # the default stays.
            import fcntl

            with contextlib.suppress(OSError, AttributeError):
                fcntl.fcntl(writer.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        child = context.Process(
            target=_fetcher,
            args=(
                self.account,
                self.password,
                self.timeout,
                folder,
                groups,
                prepare,
                reader,
                writer,
            ),
            daemon=True,
        )
        child.start()
        writer.close()
        try:
            for _ in groups:
                try:
                    message = reader.recv()
                except EOFError:
                    raise TransientMailError(
                        f"fetching from {folder}: the fetch process ended early"
                    ) from None
                if message[0] == "error":
                    _kind, transient, text = message
                    if transient:
                        raise TransientMailError(text)
                    raise MailError(text)
                yield message[1]
        finally:
            reader.close()
            child.join(timeout=5)
            if child.is_alive():
                child.terminate()
                child.join()

    # --- writing (after the caller's commit) ----------------------------------------

    def move(self, folder: str, uids: list[int], target: str) -> None:
        if not uids:
            return
        self._select(folder, writable=True)
        caps = self._call("CAPABILITY", self.client.capabilities)
        self._ensure_folder(target)
        if b"MOVE" in caps:
            self._call(f"moving to {target}", self.client.move, uids, target)
        else:
            self._call(f"copying to {target}", self.client.copy, uids, target)
            self._call(
                f"flagging in {folder}", self.client.add_flags, uids, [b"\\Deleted"], silent=True
            )
            if b"UIDPLUS" in caps:
                self._call(f"expunging {folder}", self.client.uid_expunge, uids)
            else:
                self._call(f"expunging {folder}", self.client.expunge)

    def folder_names(self) -> list[str]:
        """The server's folders (LIST), to name in an error; empty if even that fails."""
        try:
            return sorted(str(name) for _flags, _sep, name in self.client.list_folders())
        except Exception:
            return []

    def _ensure_folder(self, name: str) -> None:
        if getattr(self, "_ensured", None) == name:
            return
        exists = self._call(f"looking for {name}", self.client.folder_exists, name)
        if not exists:
            self._call(f"creating {name}", self.client.create_folder, name)
        self._ensured = name


def _groups(sizes: list[tuple[int, int]], batch_bytes: int) -> list[list[int]]:
    """UIDs in batches whose RFC822.SIZE sum stays under `batch_bytes` (one big mail alone)."""
    groups: list[list[int]] = []
    current: list[int] = []
    total = 0
    for uid, size in sizes:
        if current and total + size > batch_bytes:
            groups.append(current)
            current, total = [], 0
        current.append(uid)
        total += size
    if current:
        groups.append(current)
    return groups


def _prepared(
    batch: list[tuple[int, bytes, datetime | None]], prepare: Callable[[bytes], Any] | None
) -> list[tuple[int, bytes, datetime | None, Any]]:
    return [(uid, raw, at, prepare(raw) if prepare else None) for uid, raw, at in batch]


def _fetcher(
    account: ImapConfig,
    password: str,
    timeout: float,
    folder: str,
    groups: list[list[int]],
    prepare: Callable[[bytes], Any] | None,
    reader: Any,
    writer: Any,
) -> None:
    """The fetch process: its own connection, read-only SELECT, one batch per send.

    A sender thread writes to the pipe while this one fetches and parses the next
    batch, so the process can run up to two batches ahead of the importer: a batch of
    many small mails (slow to store) followed by one of big attachments (slow to
    fetch) then overlap instead of leaving either side waiting.
    """
    import os
    import queue
    import threading

    reader.close()
    outbox: queue.Queue[Any] = queue.Queue(maxsize=1)
    gone = threading.Event()  # the importer stopped reading (it ended early or was killed)

    def send_all() -> None:
        while True:
            message = outbox.get()
            if message is None:
                return
            if gone.is_set():
                continue  # drain, so that the fetching thread never blocks on a full queue
            try:
                writer.send(message)
            except (BrokenPipeError, OSError):
                gone.set()

    sender = threading.Thread(target=send_all, name="fetch-sender", daemon=True)
    sender.start()
    session = ImapSession(account, password, timeout=timeout)
    try:
        try:
            session.connect()
            session._select(folder, writable=False)
            for uids in groups:
                if gone.is_set():
                    break
                outbox.put(("batch", _prepared(session._fetch(folder, uids), prepare)))
        except TransientMailError as exc:
            outbox.put(("error", True, exc.reason))
        except MailError as exc:
            outbox.put(("error", False, exc.message))
        finally:
            session.close()
    finally:
        outbox.put(None)
        sender.join()
        writer.close()
        os._exit(0)


def quick_status(
    account: ImapConfig, password: str, folders: list[str], *, timeout: float = TIMEOUT_SECONDS
) -> dict[str, tuple[int, int | None, int | None]] | None:
    """(UIDVALIDITY, UIDNEXT, MESSAGES) per folder over the stdlib `imaplib`.

    The common run finds no new mail; answering that with the standard library alone
    spares importing imapclient (a third of a no-new-mail run). None when a folder
    name needs imapclient's encoding; the caller then asks through `ImapSession`.
    """
    import imaplib
    import re

    if any(not f.isascii() for f in folders):
        return None
    from supportctl.mail.tls import certificate_problem, client_context

    where = f"imap account '{account.name}' ({account.host}:{account.port})"
    context = client_context(account.ca_file) if account.tls != "none" else None
    conn: imaplib.IMAP4 | None = None
    try:
        if account.tls == "implicit":
            conn = imaplib.IMAP4_SSL(
                account.host, account.port, ssl_context=context, timeout=timeout
            )
        else:
            conn = imaplib.IMAP4(account.host, account.port, timeout=timeout)
            if account.tls == "starttls":
                conn.starttls(context)
        try:
            conn.login(account.user, password)
        except imaplib.IMAP4.error as exc:
            raise MailError(
                f"cannot log in to {where} as {account.user}: {_reason(exc)}",
                hint="check user and password_command/password_env",
            ) from None
        out: dict[str, tuple[int, int | None, int | None]] = {}
        for folder in folders:
            quoted = '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
            typ, data = conn.status(quoted, "(UIDVALIDITY UIDNEXT MESSAGES)")
            if typ != "OK" or not data or not isinstance(data[0], bytes):
                return None
            values = dict(re.findall(rb"(UIDVALIDITY|UIDNEXT|MESSAGES) (\d+)", data[0]))
            if b"UIDVALIDITY" not in values:
                return None
            out[folder] = (
                int(values[b"UIDVALIDITY"]),
                int(values[b"UIDNEXT"]) if b"UIDNEXT" in values else None,
                int(values[b"MESSAGES"]) if b"MESSAGES" in values else None,
            )
        return out
    except ssl.SSLCertVerificationError as exc:
        what, hint = certificate_problem(exc, account.host)
        raise MailError(f"{where}: {what}", hint=hint) from None
    except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
        raise TransientMailError(f"connecting: {_reason(exc)}") from None
    except imaplib.IMAP4.error as exc:
        raise MailError(f"{where}: STATUS failed: {_reason(exc)}") from None
    finally:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.logout()


class IdleConnection:
    """One folder of one account kept in IMAP IDLE (RFC 2177), for `supportctl watch`.

    The connection only listens: every change it reports is synced by the importer over
    its own connections, exactly as `fetch` does. `wait` blocks in `select` on the
    socket and a wake-up descriptor (the service's stop and reload signal), so an idle
    watch costs no CPU between events. A closed connection (a restarted server, a
    dropped link) surfaces as `TransientMailError`, like every network failure here.
    """

    def __init__(
        self, account: ImapConfig, password: str, folder: str, *, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self.session = ImapSession(account, password, timeout=timeout)
        self.folder = folder
        self.has_idle = False
        self._idling = False

    def open(self) -> None:
        s = self.session
        s.connect()
        caps = s._call("CAPABILITY", s.client.capabilities)
        self.has_idle = b"IDLE" in caps
        s._call(f"selecting {self.folder}", s.client.select_folder, self.folder, readonly=True)

    def start(self) -> bool:
        """Enter IDLE; True when the server reported a change before its continuation."""
        s = self.session
        return bool(s._call(f"IDLE on {self.folder}", self._start))

    def _start(self) -> bool:
        imap = self.session.client._imap
        self.session.client._idle_tag = imap._command("IDLE")
        self._idling = True
        changed = False
        for _ in range(100):
            if imap._get_response() is None:  # the "+ idling" continuation
                break
            changed = True  # an untagged response (EXISTS …) came first
        imap.untagged_responses.clear()
        return changed

    def _drain(self) -> list[Any]:
        """Every response line already received, without blocking.

        Lines the server sent together with an earlier one (the EXISTS right after
        "+ idling", say) sit in imaplib's read buffer where `select` cannot see them;
        reading in non-blocking mode first returns those, then whatever the socket has.
        """
        import imaplib

        from imapclient.imapclient import _parse_untagged_response

        client = self.session.client
        sock = client.socket()
        sock.setblocking(False)
        out: list[Any] = []
        try:
            while True:
                try:
                    line = client._imap._get_line()
                except (TimeoutError, OSError):
                    break
                except imaplib.IMAP4.abort as exc:
                    if "EOF" in str(exc):  # nothing more to read now (or the end: see wait)
                        break
                    raise
                out.append(_parse_untagged_response(line))
        finally:
            sock.setblocking(True)
            client._set_read_timeout()
        return out

    def wait(self, timeout: float, wake_fd: int) -> str:
        """'changed', 'timeout' or 'woken' (something was written to `wake_fd`)."""
        import select

        s = self.session
        sock = s.client.socket()
        empty_reads = 0
        deadline = _monotonic() + timeout
        check_first = True
        while True:
            if check_first:
                responses = s._call(f"IDLE on {self.folder}", self._drain)
            else:
                left = deadline - _monotonic()
                if left <= 0:
                    return "timeout"
                pending = getattr(sock, "pending", None)
                if pending is not None and pending():
                    readable: list[Any] = [sock]
                else:
                    try:
                        readable, _w, _x = select.select([sock, wake_fd], [], [], left)
                    except (OSError, ValueError) as exc:
                        raise TransientMailError(f"waiting in IDLE: {_reason(exc)}") from None
                if wake_fd in readable:
                    return "woken"
                if not readable:
                    return "timeout"
                responses = s._call(f"IDLE on {self.folder}", self._drain)
                if not responses:
                    # readable with nothing to read: the server closed the connection
                    empty_reads += 1
                    if empty_reads >= 3:
                        self._idling = False
                        raise TransientMailError(f"IDLE on {self.folder}: connection closed")
                    continue
            check_first = False
            if not responses:
                continue
            empty_reads = 0
            for item in responses:
                if len(item) >= 1 and item[0] == b"BYE":
                    self._idling = False
                    raise TransientMailError(f"IDLE on {self.folder}: server said goodbye")
            if any(
                len(item) >= 2 and item[1] in (b"EXISTS", b"RECENT", b"EXPUNGE")
                for item in responses
            ):
                return "changed"

    def done(self) -> bool:
        """Leave IDLE; True when the server reported new mail meanwhile."""
        if not self._idling:
            return False
        s = self.session
        self._idling = False
        _text, responses = s._call(f"ending IDLE on {self.folder}", s.client.idle_done)
        return any(len(item) >= 2 and item[1] == b"EXISTS" for item in responses)

    def noop(self) -> bool:
        """A round trip proving the connection is alive; True when mail arrived."""
        s = self.session
        _text, responses = s._call(f"NOOP on {self.folder}", s.client.noop)
        return any(len(item) >= 2 and item[1] == b"EXISTS" for item in responses)

    def close(self) -> None:
        if self._idling:
            with contextlib.suppress(Exception):
                self.done()
        self.session.close()


def _monotonic() -> float:
    import time

    return time.monotonic()
