"""One exception hierarchy; each class carries the exit code the CLI boundary uses.

Adapters translate third-party exceptions into these where the context is known, so
the boundary in `cli/__init__.py` only has to print `error: <message>` and exit.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the operation failed, or a bug
    USAGE = 2  # bad input: wrong, unknown, duplicate or frozen
    CONFIG = 3  # config problems, including a missing database
    MAIL = 6  # IMAP/SMTP unreachable, authentication failed
    STORE = 7  # database newer than the program, corrupt, locked for too long
    INTERRUPTED = 130


class SupportctlError(Exception):
    exit_code: ClassVar[ExitCode] = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(SupportctlError):
    exit_code = ExitCode.CONFIG


class InputError(SupportctlError):
    exit_code = ExitCode.USAGE


class MailError(SupportctlError):
    exit_code = ExitCode.MAIL


class StoreError(SupportctlError):
    exit_code = ExitCode.STORE
