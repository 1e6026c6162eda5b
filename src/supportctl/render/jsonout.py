"""JSON output: one document on stdout; UTC times with Z, money as minor units.

Indented on a terminal, compact (one line, Python's C encoder) when piped. Long arrays
are written as their rows are read (`emit_json_array`), a chunk at a time, so memory
stays flat in the number of rows; the document is the same as `emit_json` of a list.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Any

from supportctl.domain.models import Money

_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:  # the common case first: one lookup instead of a chain of checks
        return value
    if kind is dict:
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _PLAIN else to_jsonable(v))
            for k, v in value.items()
        }
    if kind is list:
        return [v if type(v) in _PLAIN else to_jsonable(v) for v in value]
    if isinstance(value, Money):
        return {"amount_minor": value.amount_minor, "currency": value.currency}
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # NamedTuple records
        return {k: to_jsonable(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    return value


def indent_for_stdout() -> int | None:
    """2 on a terminal (for people), None when piped: compact, and Python's C encoder
    (an indent forces the slow pure-Python one)."""
    try:
        return 2 if sys.stdout.isatty() else None
    except (OSError, ValueError, AttributeError):
        return None


def dumps(value: Any, *, indent: int | None = 2) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=indent)


def emit_json(value: Any) -> None:
    sys.stdout.write(dumps(value, indent=indent_for_stdout()) + "\n")
    sys.stdout.flush()


def default_json(value: Any) -> Any:
    """The encoder's `default`: times, money, dataclasses … as `to_jsonable` writes them."""
    converted = to_jsonable(value)
    if converted is value:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")
    return converted


def emit_json_array(items: Iterable[Any], *, chunk: int = 500) -> None:
    """A JSON array written as `items` are produced, `chunk` rows at a time: the same
    document as `emit_json(list(items))`, without holding every row.

    The rows are not walked first: plain values (dicts, lists, text, numbers) go
    straight to the encoder, which hands anything else (times, money, dataclasses)
    to `to_jsonable`. Give NamedTuples as dicts: the encoder writes a tuple as a list.
    """
    indent = indent_for_stdout()
    write = sys.stdout.write
    rows = iter(items)
    first = True
    while batch := list(islice(rows, chunk)):
        # rows are trees built for this document (no cycles): skip the encoder's check
        text = json.dumps(
            batch, ensure_ascii=False, indent=indent, default=default_json, check_circular=False
        )
        if indent is None:  # "[a, b]" -> "a, b"
            inner, opening, glue = text[1:-1], "[", ", "
        else:  # "[\n  a,\n  b\n]" -> "  a,\n  b"
            inner, opening, glue = text[2:-2], "[\n", ",\n"
        write((opening if first else glue) + inner)
        first = False
    if first:
        write("[]\n")
    else:
        write("]\n" if indent is None else "\n]\n")
    sys.stdout.flush()


def emit_encoded_array(texts: Iterable[str], *, chunk: int = 500) -> None:
    """A compact JSON array of items already encoded (each the text `json.dumps` writes
    for it without indent), written `chunk` items at a time: the same document as
    `emit_json_array` of the items when piped."""
    write = sys.stdout.write
    items = iter(texts)
    glue = "["
    while batch := list(islice(items, chunk)):
        write(glue + ", ".join(batch))
        glue = ", "
    write("[]\n" if glue == "[" else "]\n")
    sys.stdout.flush()
