"""The terminal renderer without rich (`render.ansi`, `render.tables` on a terminal).

Any cell text, however hostile or wide, gives lines that fit the terminal width (by
our count and by rich's), and the only escape sequences on the terminal are the SGR
codes of the styles. Styles give the codes rich writes for them; NO_COLOR keeps the
weight only; a dumb terminal gets no codes at all.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from contextlib import redirect_stdout
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from supportctl.render.ansi import Styled, Terminal, cell_width, cut, fold, parts_of
from supportctl.render.inbox import inbox_columns
from supportctl.render.tables import Col, fit, keyvalue, say, say_line, table

SGR = re.compile(r"\x1b\[[0-9;]*m")

pieces = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x17F),  # Latin, Finnish, Czech
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),  # combining marks (NFD)
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1F5FF),  # emoji
    st.characters(min_codepoint=0x0, max_codepoint=0x9F),  # controls, C1 included
    st.sampled_from(
        [
            "\x1b[31m",  # an escape sequence in customer text
            "\x1b]8;;http://evil.example\x07",  # a hyperlink
            "\u202e",  # right-to-left override
            "❤\ufe0f",  # emoji presentation selector
            "👨\u200d👩\u200d👧",  # a joined family
            "1\ufe0f\u20e3",  # keycap
            "\u200b",
            "日本語",
            "e\u0301",
            " ",
        ]
    ),
)
texts = st.lists(pieces, max_size=40).map("".join)


class FakeScreen:
    """A screen on a terminal: what the views get from the app context."""

    color: bool | None = None

    def is_terminal(self) -> bool:
        return True


def on_terminal(draw, *, columns: int, no_color: bool = False, term: str = "xterm") -> str:  # type: ignore[no-untyped-def]
    env = {"COLUMNS": str(columns), "TERM": term, "NO_COLOR": "1" if no_color else ""}
    out = io.StringIO()
    with mock.patch.dict(os.environ, env), redirect_stdout(out):
        draw(FakeScreen())
    return out.getvalue()


def assert_safe_and_fits(output: str, width: int) -> None:
    bare = SGR.sub("", output)
    for line in bare.split("\n"):
        assert cell_width(line) <= width, line
        assert cell_len(line) <= width, line
        for ch in line:
            code = ord(ch)
            assert code >= 0x20 and not 0x7F <= code <= 0x9F, repr(line)
            assert unicodedata.category(ch) != "Cf" or ch in "\u200c\u200d\u00ad", repr(line)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 99999), texts, texts), min_size=1, max_size=12),
    st.integers(min_value=20, max_value=200),
    st.booleans(),
)
def test_a_table_fits_any_width_and_writes_no_control_characters(
    rows: list[tuple[int, str, str]], width: int, no_color: bool
) -> None:
    cells = [
        [n, "3d", customer, Styled("premium", "bold magenta"), Styled("!", "bold red"),
         "alice", "waiting", "delegated triage", subject, Styled("reply late 2d", "bold red")]
        for n, customer, subject in rows
    ]  # fmt: skip
    output = on_terminal(
        lambda s: table(s, inbox_columns(), cells, caption=rows[0][2]),
        columns=width,
        no_color=no_color,
    )
    assert_safe_and_fits(output, width)
    lines = SGR.sub("", output).splitlines()
    assert len(lines) >= len(rows) + 1  # header, one line per row, caption
    for line, (n, _c, _s) in zip(lines[1:], rows, strict=False):
        assert line.split()[0] == str(n)


@settings(max_examples=100, deadline=None)
@given(texts, st.integers(min_value=10, max_value=120))
def test_say_say_line_and_keyvalue_fit_and_are_safe(text: str, width: int) -> None:
    for draw in (
        lambda s: say(s, text, style="dim"),
        lambda s: say_line(s, text, style="bold"),
        lambda s: keyvalue(s, text, [("name", text), ("address", f"{text}\n{text}")]),
    ):
        assert_safe_and_fits(on_terminal(draw, columns=width), width)


@given(st.lists(texts.filter(lambda t: " " not in t and "\n" not in t), max_size=20),
       st.integers(1, 60))  # fmt: skip
def test_fold_keeps_every_character_and_fits(words: list[str], width: int) -> None:
    line = " ".join(words)
    out = fold(line, width)
    assert "".join(out).replace(" ", "") == line.replace(" ", "")
    for piece in out:
        assert cell_width(piece) <= max(width, 2)  # a wide character needs two cells


@given(texts, st.integers(1, 40))
def test_cut_fits_and_ends_in_an_ellipsis(text: str, width: int) -> None:
    parts = cut([(text, "bold")], width)
    plain = "".join(t for t, _s in parts)
    assert cell_width(plain) <= width and plain.endswith("…")
    assert text.startswith(plain[:-1])


def test_styles_give_the_codes_rich_writes() -> None:
    from rich.console import Console

    styles = ["bold", "dim", "bold red", "bold magenta", "bold dark_orange3", "bold reverse",
              "cyan", "italic underline", "green on black", "bold #ff8800"]  # fmt: skip
    for system in ("standard", "256", "truecolor"):
        for no_color in (False, True):
            term = Terminal(80, system, no_color)
            for style in styles:
                buffer = io.StringIO()
                console = Console(
                    file=buffer, force_terminal=True, color_system=system, no_color=no_color
                )
                console.print("x", style=style, end="")
                assert term.render([("x", style)]) == buffer.getvalue(), (system, style)


def test_no_color_keeps_the_weight_and_a_dumb_terminal_shows_no_codes() -> None:
    cells = [[1, Styled("late", "bold red")]]
    coloured = on_terminal(lambda s: table(s, ["#", "SLA"], cells), columns=80)
    assert "\x1b[1;31mlate\x1b[0m" in coloured
    plain_weight = on_terminal(lambda s: table(s, ["#", "SLA"], cells), columns=80, no_color=True)
    assert "\x1b[1mlate\x1b[0m" in plain_weight and "31" not in plain_weight
    dumb = on_terminal(lambda s: table(s, ["#", "SLA"], cells), columns=80, term="dumb")
    assert "\x1b" not in dumb and "late" in dumb


def test_the_width_comes_from_columns_then_the_terminal_then_80() -> None:
    assert Terminal.detect(no_color=False, environ={"COLUMNS": "123"}).width == 123
    assert Terminal.detect(no_color=False, environ={"COLUMNS": "x", "TERM": "dumb"}).width == 80
    colors = Terminal.detect(no_color=False, environ={"TERM": "xterm-256color"}).colors
    assert colors == "256"
    assert Terminal.detect(no_color=False, environ={"COLORTERM": "truecolor"}).colors == "truecolor"


def test_a_rich_text_keeps_its_spans() -> None:
    from rich.text import Text

    text = Text("ab cd", style="dim")
    text.stylize("bold", 3, 5)
    assert parts_of(text) == [("ab ", "dim"), ("cd", "dim bold")]
    lines, _legend = fit([Col("x")], [[text]], 40)
    assert lines[1].parts == [("ab ", "dim"), ("cd", "dim bold")]


def test_a_cell_with_escape_sequences_shows_them_as_stand_ins() -> None:
    output = on_terminal(lambda s: table(s, ["subject"], [["\x1b[2Jgone"]]), columns=80)
    assert "␛[2Jgone" in output and "\x1b[2J" not in output
