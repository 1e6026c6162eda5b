"""`reply_to_address` answers "" without loading the email package when no header line
is a Reply-To; that shortcut must never change the answer the parser gives."""

from __future__ import annotations

from email.parser import BytesHeaderParser

from hypothesis import given
from hypothesis import strategies as st

from supportctl.mail.sender import check_from, reply_to_address


def _by_the_parser(block: bytes) -> str:
    msg = BytesHeaderParser().parsebytes(block + b"\n\n")
    values = [str(v) for v in msg.get_all("Reply-To") or []]
    if not values:
        return ""
    check = check_from(values)
    return check.addr if not check.problem and "@" in check.addr else ""


NAMES = st.sampled_from(
    [b"From", b"To", b"Subject", b"Reply-To", b"reply-to", b"REPLY-TO", b"Reply-To ",
     b"X-Reply-To", b"In-Reply-To", b"Reply-To-All", b" Reply-To", b"\tReply-To"]
)  # fmt: skip
VALUES = st.sampled_from(
    [b"matti@acme.fi", b"Matti <matti@acme.fi>", b"a@x.fi, b@x.fi", b"", b"=?utf-8?q?P=C3=A4ivi?= <p@x.fi>",
     b"\r\n reply-to: folded@x.fi", b"\n Reply-To: x@y.fi", b"<evil@x.example> matti@acme.fi"]
)  # fmt: skip


@given(st.lists(st.tuples(NAMES, VALUES), max_size=6), st.sampled_from([b"\n", b"\r\n"]))
def test_the_shortcut_gives_what_the_parser_gives(
    fields: list[tuple[bytes, bytes]], eol: bytes
) -> None:
    block = eol.join(name + b": " + value for name, value in fields)
    assert reply_to_address(block) == _by_the_parser(block)


def test_a_reply_to_is_read_and_one_without_needs_no_parser() -> None:
    assert reply_to_address(b"From: m@acme.fi\nReply-To: Tiimi <tiimi@acme.fi>") == "tiimi@acme.fi"
    assert reply_to_address(b"From: m@acme.fi\nIn-Reply-To: <x@acme.fi>") == ""
    # the parser takes `reply-to :` for a field of another name, and so does the shortcut
    assert reply_to_address(b"From: m@acme.fi\nreply-to : tiimi@acme.fi") == ""


def test_a_thread_without_reply_to_loads_no_email_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from supportctl.mail.sender import reply_to_address\n"
        "assert reply_to_address(b'From: m@acme.fi\\nSubject: x') == ''\n"
        "print(sorted(m for m in sys.modules if m == 'email' or m.startswith('email.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
