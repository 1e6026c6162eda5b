"""`supportctl watch`: the long-running mail service.

Shape: one thread per `[[imap]]` account and folder, one scheduler thread, and the main
thread, which only handles signals and beats the heart of the locks.

- A folder thread keeps one connection in IDLE where the server offers it (left and
  entered again every `IDLE_RENEW_SECONDS`, well before RFC 2177's 29 minutes), else
  polls every `poll_seconds`. Each wake-up calls `importing.fetch_accounts` for its
  account (the crash-safe sync `fetch` runs, one transaction per batch) and then
  `outbound.acknowledge_new` (the follow-up `fetch` runs). Two folders of one account
  never sync at once (a lock per account), and every thread has its own database
  connection, so write transactions stay one batch long.
- Any mail-server failure (down, dropped, restarted, login refused, a failing
  `password_command`) is logged, recorded for `status`, and retried after an
  exponential back-off with jitter (1 s up to 5 min); other threads carry on.
- The scheduler thread sends due alerts (woken at once when a sync opens tickets),
  retries acknowledgements a failure left behind, and runs `remind` and auto-close.
  It works only while this process holds the `schedule` lock, so two watches on one
  database (different accounts) never both send them.
- Locks (`account:<name>`, `schedule`) live in the database (`store.watch`) with a
  heartbeat; a second watch of an account names the holder and exits 1; a lock whose
  heartbeat is older than two minutes is taken over.
- SIGTERM/SIGINT: every thread is told to stop; a batch being stored commits (or, cut
  off, rolls back), connections log out, locks are released, exit 0 within 10 s.
  SIGHUP: the config file is read again and the folder threads restarted with it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportctl.domain import watch as rules
from supportctl.errors import ConfigError, MailError, StoreError, SupportctlError

if TYPE_CHECKING:
    from supportctl.config import Config, ImapConfig
    from supportctl.store.db import Store

IDLE_RENEW_SECONDS = 270.0  # leave and re-enter IDLE (a NOOP proves the link) this often
FULL_SYNC_EVERY = 6  # renewals between full syncs when IDLE reported nothing
HEARTBEAT_SECONDS = 30.0
ALERT_PASS_SECONDS = 30.0
ACK_RETRY_SECONDS = 300.0
ACK_RETRY_AFTER_SECONDS = 120.0  # the folder thread acknowledges first; this is the net
REMIND_SECONDS = 900.0
AUTOCLOSE_SECONDS = 3600.0
STOP_WITHIN_SECONDS = 8.0
SCHEDULE_LOCK = "schedule"

log = logging.getLogger("supportctl.watch")


# --- logging -------------------------------------------------------------------------


class _Formatter(logging.Formatter):
    """`2026-12-04T14:30:00Z INFO support/INBOX: stored 3 messages` (one line per event)."""

    def format(self, record: logging.LogRecord) -> str:
        from datetime import UTC

        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        where = getattr(record, "where", "watch")
        # one line whatever the message: server replies and errors are outside text
        text = _safe(" ".join(record.getMessage().split()))
        return f"{when} {record.levelname} {_safe(where)}: {text}"


def setup_logging(log_file: Path | None) -> list[logging.Handler]:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(_Formatter())
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return handlers


def _say(level: str, where: str, text: str) -> None:
    log.log(getattr(logging, level.upper(), logging.INFO), text, extra={"where": where})


def _safe(text: str) -> str:
    from supportctl.render.safe import one_line

    return one_line(text)


# --- the service ---------------------------------------------------------------------


class LockHeld(SupportctlError):
    """Another live watch holds an account of this database."""


class Service:
    def __init__(
        self,
        db_path: Path,
        config_path: Path,
        *,
        clock: Callable[[], datetime],
        load_config: Callable[[Path], Config],
    ) -> None:
        self.db_path = db_path
        self.config_path = config_path
        self.clock = clock
        self.load_config = load_config
        self.config = load_config(config_path)
        self.stop = threading.Event()
        self.wake = threading.Event()  # main loop: a signal arrived
        self.schedule_wake = threading.Event()  # scheduler: new tickets, alert now
        self.token = uuid.uuid4().hex
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.locks: list[str] = []
        self.has_schedule = False
        self.account_locks: dict[str, threading.Lock] = {}
        self.generation: Generation | None = None
        self.reload_requested = False
        self.exit_code = 0

    # --- database ------------------------------------------------------------------

    def open(self) -> Store:
        from supportctl.store.db import open_store

        return open_store(self.db_path)

    # --- locks ---------------------------------------------------------------------

    def take_account_locks(self, store: Store, accounts: list[ImapConfig]) -> list[ImapConfig]:
        """Lock every account; LockHeld when a live watch holds one (nothing kept then)."""
        from supportctl.store import watch as watch_store

        taken: list[ImapConfig] = []
        for account in accounts:
            name = f"account:{account.name}"
            if name in self.locks:
                taken.append(account)
                continue
            now = self.clock()
            ok, holder = watch_store.acquire(
                store,
                name,
                token=self.token,
                host=self.host,
                pid=self.pid,
                now=now,
                stale_after=rules.LOCK_STALE_AFTER,
            )
            if not ok and holder is not None:
                watch_store.release(store, [f"account:{a.name}" for a in taken], token=self.token)
                for a in taken:
                    if f"account:{a.name}" in self.locks:
                        self.locks.remove(f"account:{a.name}")
                age = int((now - holder.heartbeat_at).total_seconds())
                raise LockHeld(
                    f"imap account '{account.name}' is already watched by pid {holder.pid} on "
                    f"{holder.host} since {holder.since:%Y-%m-%d %H:%M:%S}Z "
                    f"(last heartbeat {age} s ago)",
                    hint="stop that watch first; a lock without a heartbeat for two minutes "
                    "is taken over",
                )
            if holder is not None:
                _say(
                    "warning",
                    account.name,
                    f"took over the lock of pid {holder.pid} on {holder.host}: "
                    f"no heartbeat since {holder.heartbeat_at:%Y-%m-%d %H:%M:%S}Z",
                )
            self.locks.append(name)
            taken.append(account)
        return taken

    def try_schedule_lock(self, store: Store) -> bool:
        from supportctl.store import watch as watch_store

        if self.has_schedule:
            return True
        ok, holder = watch_store.acquire(
            store,
            SCHEDULE_LOCK,
            token=self.token,
            host=self.host,
            pid=self.pid,
            now=self.clock(),
            stale_after=rules.LOCK_STALE_AFTER,
        )
        if ok:
            self.has_schedule = True
            with _list_lock:
                if SCHEDULE_LOCK not in self.locks:
                    self.locks.append(SCHEDULE_LOCK)
            if holder is not None:
                _say("warning", "schedule", f"took over from pid {holder.pid} on {holder.host}")
        return ok

    def beat(self, store: Store) -> None:
        from supportctl.store import watch as watch_store

        with _list_lock:
            names = list(self.locks)
        kept = watch_store.heartbeat(store, names, token=self.token, now=self.clock())
        lost = sorted(set(names) - set(kept))
        if not lost:
            return
        with _list_lock:
            for name in lost:
                self.locks.remove(name)
        if SCHEDULE_LOCK in lost:
            self.has_schedule = False
        if any(n.startswith("account:") for n in lost):
            _say(
                "error",
                "watch",
                f"lost {', '.join(lost)} to another watch (this one missed its heartbeats); stopping",
            )
            self.exit_code = 1
            self.stop.set()

    # --- syncing (called from folder threads) --------------------------------------

    def account_lock(self, name: str) -> threading.Lock:
        with _list_lock:
            return self.account_locks.setdefault(name, threading.Lock())

    def sync(self, store: Store, config: Config, account: ImapConfig) -> None:
        """The `fetch` sync of one account, then its acknowledgements; raises on failure."""
        from supportctl.services import importing

        with self.account_lock(account.name):
            if self.stop.is_set():
                return
            now = self.clock()
            report = importing.fetch_accounts(
                store,
                config,
                now=now,
                account_names=[account.name],
                sleep=lambda seconds: self.stop.wait(seconds) and None,
                should_stop=self.stop.is_set,
                via="watch",
            )
        if report.stored or report.duplicates:
            _say("info", account.name, report.summary())
        for failure in report.failures:  # a folder the server lacks; the others synced
            _say("warning", account.name, failure)
        if report.new_tickets:
            self.acknowledge(store, config, account.name, [t.ticket_id for t in report.new_tickets])
            self.schedule_wake.set()

    def acknowledge(self, store: Store, config: Config, where: str, ticket_ids: list[int]) -> None:
        from supportctl.services import outbound

        try:
            outcomes = outbound.acknowledge_new(store, config, ticket_ids, now=self.clock())
        except (MailError, ConfigError) as exc:
            _say("warning", where, f"acknowledgements not sent: {exc.message}; tried again later")
            return
        sent = sum(1 for o in outcomes if isinstance(o, outbound.Sent))
        failed = [
            o
            for o in outcomes
            if isinstance(o, outbound.Skipped) and o.reason.startswith("not sent")
        ]
        if sent:
            _say("info", where, f"acknowledged {sent} new ticket{'s' if sent != 1 else ''}")
        if failed:
            _say(
                "warning",
                where,
                f"{len(failed)} acknowledgement(s) {failed[0].reason}; tried again later",
            )

    # --- running -------------------------------------------------------------------

    def run(self) -> int:
        if not self.config.imap:
            raise ConfigError(
                f"no [[imap]] accounts in {self.config_path}: nothing to watch",
                hint="add an [[imap]] table (see docs/config.sample.toml)",
            )
        store = self.open()
        try:
            self._install_signals()
            accounts = self.take_account_locks(store, list(self.config.imap))
            self.try_schedule_lock(store)
            _say(
                "info",
                "watch",
                f"watching {', '.join(f'{a.name} ({len(a.folders)} folder(s))' for a in accounts)}"
                f" as pid {self.pid} on {self.host}",
            )
            scheduler = threading.Thread(target=self._scheduler, name="watch-schedule", daemon=True)
            scheduler.start()
            self.generation = Generation(self, self.config, accounts)
            self.generation.start()
            next_beat = time.monotonic() + HEARTBEAT_SECONDS
            while not self.stop.is_set():
                self.wake.wait(max(0.0, next_beat - time.monotonic()))
                self.wake.clear()
                if self.stop.is_set():
                    break
                if self.reload_requested:
                    self.reload_requested = False
                    self._reload(store)
                if time.monotonic() >= next_beat:
                    try:
                        self.beat(store)
                    except StoreError as exc:
                        _say("warning", "watch", f"heartbeat failed: {exc.message}")
                    next_beat = time.monotonic() + HEARTBEAT_SECONDS
            _say("info", "watch", "stopping")
            deadline = time.monotonic() + STOP_WITHIN_SECONDS
            if self.generation is not None:
                self.generation.stop(deadline)
            self.schedule_wake.set()
            scheduler.join(max(0.1, deadline - time.monotonic()))
            return self.exit_code
        finally:
            from supportctl.store import watch as watch_store

            try:
                with _list_lock:
                    names = list(self.locks)
                watch_store.release(store, names, token=self.token)
            except StoreError as exc:  # pragma: no cover - the locks then go stale
                _say("warning", "watch", f"could not release the locks: {exc.message}")
            store.close()
            _say("info", "watch", "stopped")

    def _install_signals(self) -> None:
        def stop(signum: int, _frame: Any) -> None:
            self.stop.set()
            self.wake.set()
            if self.generation is not None:
                self.generation.wake_all()

        def reload(_signum: int, _frame: Any) -> None:
            self.reload_requested = True
            self.wake.set()

        if threading.current_thread() is not threading.main_thread():
            return  # tests driving the service from a thread stop it through `stop`
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)

    def request_stop(self) -> None:
        self.stop.set()
        self.wake.set()
        if self.generation is not None:
            self.generation.wake_all()

    def _reload(self, store: Store) -> None:
        from supportctl.store import watch as watch_store

        try:
            config = self.load_config(self.config_path)
        except ConfigError as exc:
            _say("error", "watch", f"config not reloaded: {exc.message}; keeping the old one")
            return
        if not config.imap:
            _say("error", "watch", "config not reloaded: it has no [[imap]] accounts")
            return
        wanted = {f"account:{a.name}" for a in config.imap}
        with _list_lock:
            dropped = [n for n in self.locks if n.startswith("account:") and n not in wanted]
        try:
            accounts = self.take_account_locks(store, list(config.imap))
        except LockHeld as exc:
            _say("error", "watch", f"config not reloaded: {exc.message}")
            return
        if self.generation is not None:
            self.generation.stop(time.monotonic() + STOP_WITHIN_SECONDS)
        watch_store.release(store, dropped, token=self.token)
        with _list_lock:
            for name in dropped:
                self.locks.remove(name)
        self.config = config
        self.generation = Generation(self, config, accounts)
        self.generation.start()
        _say("info", "watch", f"config reloaded: {', '.join(a.name for a in accounts)}")

    # --- the scheduler thread ------------------------------------------------------

    def _scheduler(self) -> None:
        store = None
        last: dict[str, float] = {}
        backoff = rules.Backoff()
        while not self.stop.is_set():
            try:
                if store is None:
                    store = self.open()
                if self.try_schedule_lock(store):
                    self._scheduled_work(store, last)
                backoff.reset()
                self.schedule_wake.wait(ALERT_PASS_SECONDS)
            except Exception as exc:  # the service never dies of one failed pass
                _say("error", "schedule", f"{exc.__class__.__name__}: {_safe(str(exc))}")
                self.schedule_wake.wait(backoff.next())
            self.schedule_wake.clear()
        if store is not None:
            store.close()

    def _due(self, last: dict[str, float], what: str, every: float) -> bool:
        now = time.monotonic()
        if what in last and now - last[what] < every:
            return False
        last[what] = now
        return True

    def _scheduled_work(self, store: Store, last: dict[str, float]) -> None:
        from supportctl.services import alerts, autoclose, outbound

        config = self.config
        alerts.deliver(
            store,
            config,
            now=self.clock(),
            log=lambda level, text: _say(level, "alerts", text),
        )
        if self.stop.is_set():
            return
        if (
            config.smtp is not None
            and config.smtp.acknowledge
            and self._due(last, "ack", ACK_RETRY_SECONDS)
        ):
            from datetime import timedelta

            from supportctl.store import watch as watch_store

            now = self.clock()
            waiting = watch_store.unacknowledged(
                store,
                now - timedelta(hours=outbound.ACK_MAX_AGE_HOURS),
                now - timedelta(seconds=ACK_RETRY_AFTER_SECONDS),
            )
            if waiting:
                self.acknowledge(store, config, "acknowledgements", waiting)
        if self._due(last, "autoclose", AUTOCLOSE_SECONDS):
            closed = autoclose.run(store, config, self.clock())
            if closed:
                _say("info", "schedule", f"auto-closed {len(closed)} resolved ticket(s)")
        if self._due(last, "remind", REMIND_SECONDS):
            try:
                report = outbound.remind(store, config, now=self.clock())
            except (MailError, ConfigError) as exc:
                _say("warning", "remind", f"reminders not sent: {exc.message}")
            else:
                for outcome in report.outcomes:
                    _say("info", "remind", outcome.describe())


_list_lock = threading.Lock()


class Generation:
    """The folder threads of one config (SIGHUP replaces the generation)."""

    def __init__(self, service: Service, config: Config, accounts: list[ImapConfig]) -> None:
        self.service = service
        self.config = config
        self.stopped = threading.Event()
        self.threads: list[FolderWatcher] = [
            FolderWatcher(self, account, folder)
            for account in accounts
            for folder in account.folders
        ]

    def should_stop(self) -> bool:
        return self.stopped.is_set() or self.service.stop.is_set()

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def wake_all(self) -> None:
        for thread in self.threads:
            thread.wake()

    def stop(self, deadline: float) -> None:
        self.stopped.set()
        self.wake_all()
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        for thread in self.threads:
            thread.close_pipe()


class FolderWatcher(threading.Thread):
    """One account folder: IDLE (or polling), sync on every wake-up, back-off on failure."""

    def __init__(self, generation: Generation, account: ImapConfig, folder: str) -> None:
        super().__init__(name=f"watch-{account.name}-{folder}", daemon=True)
        self.generation = generation
        self.service = generation.service
        self.account = account
        self.folder = folder
        self.where = f"{account.name}/{folder}"
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._pipe_open = True

    def wake(self) -> None:
        with contextlib.suppress(OSError):  # full (already woken) or closed
            os.write(self._wake_w, b"x")

    def close_pipe(self) -> None:
        if self.is_alive() or not self._pipe_open:
            return
        self._pipe_open = False
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _sleep(self, seconds: float) -> None:
        import select

        if self.generation.should_stop():
            return
        select.select([self._wake_r], [], [], seconds)

    def run(self) -> None:
        from supportctl.mail.imap import TransientMailError

        backoff = rules.Backoff()
        store = None
        while not self.generation.should_stop():
            try:
                if store is None:
                    store = self.service.open()
                self._session(store, backoff)
            except TransientMailError as exc:
                self._failed(store, backoff, exc.reason)
            except (MailError, ConfigError, StoreError) as exc:
                self._failed(store, backoff, exc.message)
            except Exception as exc:  # never die: log it and try again later
                self._failed(store, backoff, f"internal error: {exc.__class__.__name__}: {exc}")
        if store is not None:
            store.close()

    def _failed(self, store: Store | None, backoff: rules.Backoff, reason: str) -> None:
        if self.generation.should_stop():
            return
        delay = backoff.next()
        text = _safe(reason)
        _say("warning", self.where, f"{text}; retrying in {delay:.1f} s")
        if store is not None:
            from supportctl.store import watch as watch_store

            with contextlib.suppress(StoreError):
                watch_store.record_error(
                    store, self.account.name, [self.folder], text, self.service.clock()
                )
        self._sleep(delay)

    def _session(self, store: Store, backoff: rules.Backoff) -> None:
        from supportctl.config import resolve_secret
        from supportctl.mail.imap import IdleConnection

        account = self.account
        config = self.generation.config
        password = resolve_secret(
            f"imap account '{account.name}'", account.password_command, account.password_env
        )
        conn = IdleConnection(account, password, self.folder)
        try:
            conn.open()
            self.service.sync(store, config, account)
            if backoff.failures:
                _say("info", self.where, "connected again")
            backoff.reset()
            if not conn.has_idle:
                conn.close()
                _say(
                    "info",
                    self.where,
                    f"no IDLE on this server: polling every {account.poll_seconds} s",
                )
                while not self.generation.should_stop():
                    self._sleep(account.poll_seconds)
                    if self.generation.should_stop():
                        return
                    self.service.sync(store, config, account)
                return
            _say("info", self.where, "waiting for mail (IDLE)")
            renewals = 0
            while not self.generation.should_stop():
                early = conn.start()
                outcome = "changed" if early else conn.wait(IDLE_RENEW_SECONDS, self._wake_r)
                arrived = conn.done()
                if self.generation.should_stop():
                    return
                if outcome == "woken":
                    self._drain()
                    continue
                if outcome == "timeout" and not arrived:
                    renewals += 1
                    arrived = conn.noop()
                    if not arrived and renewals % FULL_SYNC_EVERY:
                        from supportctl.store import watch as watch_store

                        # the link is alive and the server reported nothing: in sync
                        watch_store.record_ok(
                            store, account.name, [self.folder], self.service.clock()
                        )
                        continue
                self.service.sync(store, config, account)
        finally:
            conn.close()

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            os.read(self._wake_r, 1024)


def run(
    db_path: Path,
    config_path: Path,
    *,
    clock: Callable[[], datetime],
    log_file: Path | None = None,
) -> int:
    """Run the service until stopped; the exit code (0, or 1 when a lock was lost)."""
    import warnings

    from supportctl.config import load_config

    # The importer forks its prefetching process from this multi-threaded service; the
    # child only speaks IMAP and parses, holding none of the locks other threads use.
    warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
    handlers = setup_logging(log_file)
    try:
        service = Service(db_path, config_path, clock=clock, load_config=load_config)
        return service.run()
    finally:
        for handler in handlers:
            log.removeHandler(handler)
            handler.close()
