"""Word wrapping of message text for `ticket show`, and widths in terminal cells."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from supportctl.render.tables import cell_width
from supportctl.render.ticket import wrap_words

URL = "https://example.com/a/very/long/path/that/goes/on?x=1&y=2"

words = st.lists(
    st.sampled_from([*"abcäöåřžčďěAB.-/:@?=&日本🔥", "e\u0301", "a\u0308"]), min_size=1, max_size=30
).map("".join)


@given(st.lists(words, min_size=1, max_size=40), st.integers(min_value=10, max_value=120))
def test_wrapped_lines_fit_and_keep_every_word_whole(parts: list[str], width: int) -> None:
    line = " ".join(parts)
    out = wrap_words(line, width)
    assert [w for piece in out for w in piece.split(" ") if w] == parts
    for piece in out:
        assert cell_width(piece) <= width or " " not in piece.strip()


def test_a_url_or_an_address_longer_than_the_line_stays_whole() -> None:
    line = f"Hei, katso {URL} ja kirjoita matti.virtanen@acme-verkkokauppa.example kiitos"
    out = wrap_words(line, 30)
    assert URL in out and any("matti.virtanen@acme-verkkokauppa.example" in p for p in out)
    assert all(cell_len(p) <= 30 or " " not in p for p in out)


def test_quoted_lines_keep_their_quote_marks_when_wrapped() -> None:
    out = wrap_words("> " + "sana " * 30, 40)
    assert len(out) > 1 and all(p.startswith("> ") for p in out)


scripts = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x17F),  # Latin, Finnish, Czech
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),  # combining marks (NFD)
    st.characters(min_codepoint=0x3041, max_codepoint=0x3096),  # hiragana
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1F5FF),  # emoji
)


@given(st.lists(scripts, max_size=40).map("".join))
def test_cell_width_agrees_with_rich(text: str) -> None:
    text = "".join(ch for ch in text if ch.isprintable() or unicodedata.combining(ch))
    for sample in (text, unicodedata.normalize("NFD", text)):
        assert cell_width(sample) == cell_len(sample)


texts = st.lists(
    st.sampled_from([*"abc äöåřžčďě-", "e\u0301", "日", "🔥"]), min_size=0, max_size=60
).map("".join)


@given(
    st.lists(st.tuples(st.integers(1, 99999), texts, texts), min_size=1, max_size=30),
    st.integers(min_value=40, max_value=200),
)
def test_a_table_fits_its_width_and_keeps_ids_whole(
    rows: list[tuple[int, str, str]], width: int
) -> None:
    from supportctl.render.inbox import inbox_columns
    from supportctl.render.tables import fit

    cells = [
        [
            n,
            "3d",
            "kovosrot-zdar",
            "premium",
            "!",
            owner,
            "waiting",
            "delegated triage",
            subject,
            "reply late 22d 1h",
        ]
        for n, owner, subject in rows
    ]
    lines, _legend = fit(inbox_columns(), cells, width)
    assert len(lines) == len(rows) + 1
    for line, (n, _o, _s) in zip(lines[1:], rows, strict=True):
        assert cell_len(line.plain) <= width
        assert line.plain.split()[0] == str(n)
        if width >= 80:  # the widths people use: nothing but the free text is cut
            assert "22d 1h" in line.plain and "kovosrot-zdar" in line.plain
            assert "waiting" in line.plain
