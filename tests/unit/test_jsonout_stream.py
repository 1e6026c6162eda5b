"""`emit_json_array` writes the same document as `emit_json` of the whole list, a
chunk at a time; compact when piped, indented on a terminal."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.render import jsonout

leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False)
)
value = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=10,
)


class _Out(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _capture(monkeypatch: pytest.MonkeyPatch, tty: bool, write: Any) -> str:
    out = _Out(tty)
    monkeypatch.setattr("sys.stdout", out)
    write()
    return out.getvalue()


@given(st.lists(value, max_size=12), st.integers(min_value=1, max_value=5), st.booleans())
def test_the_stream_is_the_same_document(items: list[Any], chunk: int, tty: bool) -> None:
    with pytest.MonkeyPatch.context() as mp:
        streamed = _capture(mp, tty, lambda: jsonout.emit_json_array(iter(items), chunk=chunk))
        whole = _capture(mp, tty, lambda: jsonout.emit_json(items))
    assert streamed == whole
    assert json.loads(streamed) == items
    if tty and items:
        assert whole.startswith("[\n  ")  # indented for people
    if not tty:
        assert whole.count("\n") == 1  # one compact line


def test_values_beyond_plain_json_are_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    at = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
    text = _capture(monkeypatch, False, lambda: jsonout.emit_json_array([{"at": at}]))
    assert json.loads(text) == [{"at": "2026-10-14T08:30:00Z"}]
    with pytest.raises(TypeError):
        _capture(monkeypatch, False, lambda: jsonout.emit_json_array([{"x": object()}]))
