from hypothesis import given
from hypothesis import strategies as st

from supportctl.render.safe import one_line, term_safe


def test_escape_sequences_become_visible():
    assert term_safe("a\x1b]52;c;SGVsbG8=\x07b") == "a␛]52;c;SGVsbG8=␇b"
    assert term_safe("\x1b[2J") == "␛[2J"
    assert term_safe("x\x9b31m") == "x\\x9b31m"
    assert term_safe("abc\u202eexe.pdf") == "abc<U+202E>exe.pdf"
    assert term_safe("del\x7f") == "del␡"
    assert term_safe("cr\rover") == "cr␍over"


def test_ordinary_text_unchanged():
    for text in [
        "Hyvää päivää",
        "Dobrý den, čřšžěů",
        "line\nnext\ttab",
        "👩‍💻 zero\u200djoiner",
        "",
    ]:
        assert term_safe(text) == text


def test_one_line_and_limit():
    assert one_line("a\nb\tc") == "a b c"
    assert one_line("x" * 100, 10) == "x" * 9 + "…"


@given(st.text())
def test_no_control_survives(text):
    out = term_safe(text)
    for ch in out:
        code = ord(ch)
        assert ch in "\n\t" or not (code < 0x20 or 0x7F <= code <= 0x9F)
        assert not (0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069)
    assert "\n" not in one_line(text) and "\r" not in one_line(text)
