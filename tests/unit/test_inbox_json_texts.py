"""`inbox_json_texts` writes each queue row as `json.dumps(inbox_json(row))` does."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from supportctl.domain.sla import NO_CLOCK, Clock
from supportctl.render.inbox import inbox_json, inbox_json_texts
from supportctl.render.jsonout import default_json
from supportctl.render.models.inbox import InboxRow

# Hostile and ordinary text: quotes, backslashes, controls, non-ASCII, lone surrogates.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from('"\\\n\t\x00\x1b\u2028\u202eé猫🙂 '), st.characters(), st.just("a")
    ),
    max_size=12,
)
FEW = st.sampled_from(["c01", "c02", 'näyttö "x"', ""])
CLOCKS = st.one_of(
    st.none(),
    st.just(NO_CLOCK),
    st.builds(
        Clock,
        st.sampled_from(["response", "resolution", None]),
        st.one_of(
            st.none(),
            st.datetimes(
                min_value=datetime(2020, 1, 1),
                max_value=datetime(2030, 1, 1),
                timezones=st.just(UTC),
            ),
        ),
        st.one_of(st.none(), st.integers(-10_000, 10_000)),
        st.booleans(),
        st.booleans(),
    ),
)


@st.composite
def rows(draw: st.DrawFn) -> InboxRow:
    return InboxRow(
        draw(st.integers(1, 10**9)),
        draw(st.one_of(TEXT, st.none())),  # a subject that is not text: the general way
        draw(TEXT),
        draw(st.one_of(st.none(), FEW)),
        draw(st.sampled_from(["open", "closed", "waiting"])),
        draw(st.sampled_from(["urgent", "normal"])),
        draw(st.sampled_from(["request", "incident"])),
        draw(st.sampled_from(["human", "autoreply", "list", "bounce"])),
        draw(st.booleans()),
        draw(st.booleans()),
        draw(st.sampled_from(["2021-11-26T18:45:34Z", "2026-01-01T00:00:00Z"])),
        draw(st.sampled_from(["2021-11-26T18:45:34Z", "2026-11-25T10:00:00Z"])),
        draw(st.integers(0, 10_000)),
        draw(
            st.one_of(st.just({}), st.dictionaries(st.sampled_from(["x", "y"]), TEXT, max_size=2))
        ),
        draw(st.one_of(st.none(), st.sampled_from(["dev1", "dev2", 'ä"ö']))),
        draw(st.sampled_from(["premium", "standard", "light"])),
        draw(st.sampled_from(["business", "24x7"])),
        draw(st.booleans()),
        draw(CLOCKS),
        draw(st.booleans()),
        draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(rows(), max_size=25))
def test_each_row_is_the_text_the_general_encoder_writes(batch: list[InboxRow]) -> None:
    expected = [json.dumps(inbox_json(r), ensure_ascii=False, default=default_json) for r in batch]
    assert list(inbox_json_texts(batch)) == expected


def test_the_kept_runs_do_not_leak_between_rows() -> None:
    base = dict(
        subject="s", requester="r", status="open", urgency="normal", kind="request",
        classification="human", is_triage=False, needs_approval=False,
        created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z", messages=1,
        extra={}, level="standard",
    )  # fmt: skip
    batch = [
        InboxRow(id=1, customer="c01", owner="dev1", **base),  # type: ignore[arg-type]
        InboxRow(id=2, customer="c02", owner=None, bounced=True, **base),  # type: ignore[arg-type]
        InboxRow(id=3, customer="c01", owner="dev1", **base),  # type: ignore[arg-type]
    ]
    docs = [json.loads(t) for t in inbox_json_texts(batch)]
    assert [(d["id"], d["customer"], d["owner"], d["flags"]) for d in docs] == [
        (1, "c01", "dev1", []),
        (2, "c02", None, ["bounced"]),
        (3, "c01", "dev1", []),
    ]
