"""Help text that reads well at 80 columns: no paragraph ends in a one-word line.

Click wraps each paragraph and each option's help greedily, which often leaves one
word alone on the last line (`(repeatable).`, `` `user`).``). This formatter wraps
the same text at the width, and when a paragraph would end in such an orphan tries a
few cells narrower, keeping the first layout without one. Installed as the
`formatter_class` of typer's click (typer carries its own copy of click as
`typer._click`; the separate `click` package is not the one it runs).
"""

from __future__ import annotations

from collections.abc import Iterable

from typer import _click as click
from typer._click.formatting import iter_rows, measure_table, term_len, wrap_text

SEARCH = 16  # how many cells narrower a paragraph may be wrapped to avoid an orphan


def _orphaned(text: str) -> bool:
    """Whether a paragraph of `text` ends in a line of one word after a fuller line."""
    lines = text.split("\n")
    for n in range(1, len(lines)):
        alone = len(lines[n].split()) == 1
        last = n + 1 == len(lines) or not lines[n + 1].strip()
        if alone and last and len(lines[n - 1].split()) > 1:
            return True
    return False


def balanced_wrap(text: str, width: int, **options: object) -> str:
    """`wrap_text`, each paragraph narrowed a little where that avoids an orphan."""
    import re

    paragraphs = re.split(r"\n[ \t]*\n", text)
    if len(paragraphs) > 1:
        return "\n\n".join(_balanced(p, width, **options) for p in paragraphs)
    return _balanced(text, width, **options)


def _balanced(text: str, width: int, **options: object) -> str:
    best = wrap_text(text, width, **options)  # type: ignore[arg-type]
    if not _orphaned(best):
        return best
    for narrower in range(width - 1, max(width - SEARCH, 20), -1):
        candidate = wrap_text(text, narrower, **options)  # type: ignore[arg-type]
        if not _orphaned(candidate):
            return candidate
    return best


class BalancedHelpFormatter(click.HelpFormatter):
    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(
            balanced_wrap(
                text,
                self.width,
                initial_indent=indent,
                subsequent_indent=indent,
                preserve_paragraphs=True,
            )
        )
        self.write("\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        widths = measure_table(rows)
        if len(widths) != 2:
            raise TypeError("Expected two columns for definition list")
        first_col = min(widths[0], col_max) + col_spacing
        for first, second in iter_rows(rows, len(widths)):
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if term_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - term_len(first)))
            else:
                self.write("\n")
                self.write(" " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = balanced_wrap(second, text_width, preserve_paragraphs=True).splitlines()
            if not lines:
                self.write("\n")
                continue
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")
