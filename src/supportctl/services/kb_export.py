"""`kb export DIR`: the shared articles as a small static help site or Markdown files.

HTML comes from Jinja templates (`templates/kb/`, overridable from `<config dir>/
templates/kb/`) with autoescape on; an article's Markdown becomes HTML with
markdown-it in CommonMark mode with raw HTML off, so text that came from a customer
(`kb add --from-ticket`) is escaped, never markup, and unsafe link schemes are dropped.
One index per language (`fi/index.html`, ...) and a top index linking them. Every file
is written whole or not at all (temporary file in the same folder, fsync, rename),
mode 0600, never through a symlink at the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportctl.config import Config
from supportctl.domain.kb import LANGUAGES
from supportctl.errors import InputError
from supportctl.store import articles as article_store
from supportctl.store.db import Store

FORMATS = ("html", "md")
LANGUAGE_NAMES = {"fi": "Suomeksi", "cs": "Česky", "en": "In English"}


@dataclass(frozen=True)
class Exported:
    directory: Path
    articles: int
    files: int


def _write(path: Path, text: str) -> None:
    """Whole or not at all, 0600 in 0700 folders (`supportctl.files.write_file`)."""
    from supportctl.files import write_file

    if path.is_symlink():
        raise InputError(f"{path} is a symbolic link; nothing was written over it")
    write_file(path, text.encode("utf-8"), what="the help site", overwrite=True)


def _environment(config: Config) -> Any:
    from supportctl.render.templates import build_environment, user_templates_dir

    return build_environment(
        user_templates_dir(config.config_dir),
        autoescape=True,
        subdir="kb",
        keep_trailing_newline=False,
    )


def markdown_html(text: str) -> str:
    """Markdown to HTML with raw HTML escaped (CommonMark, html off)."""
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark", {"html": False}).render(text))


def md_escape(text: str) -> str:
    """A title on one Markdown line: no raw HTML, no link or emphasis syntax."""
    out = " ".join(text.split())
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def md_body(text: str) -> str:
    """An article body as Markdown with raw HTML shown as text, never run."""
    return text.rstrip().replace("<", "&lt;").replace(">", "&gt;") + "\n"


def export(store: Store, config: Config, directory: Path, fmt: str) -> Exported:
    if fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}'; use html or md")
    directory = directory.expanduser()
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} is not a directory")
    rows = article_store.exported(store)
    by_lang: dict[str, list[dict[str, Any]]] = {lang: [] for lang in LANGUAGES}
    groups: dict[int, list[tuple[str, int]]] = {}
    for r in rows:
        group = int(r["translation_of"] or r["id"])
        groups.setdefault(group, []).append((r["lang"], int(r["id"])))
    for r in rows:
        group = int(r["translation_of"] or r["id"])
        by_lang[r["lang"]].append(
            {
                "id": int(r["id"]),
                "title": r["title"],
                "body": r["body"],
                "lang": r["lang"],
                "changed_at": r["changed_at"],
                "translations": [
                    {"lang": lang, "id": i} for lang, i in sorted(groups[group]) if i != r["id"]
                ],
            }
        )
    files: list[tuple[Path, str]] = []
    if fmt == "html":
        from markupsafe import Markup

        env = _environment(config)
        page = env.get_template("article.html.j2")
        index = env.get_template("index.html.j2")
        for lang, items in by_lang.items():
            if not items:
                continue
            for item in items:
                html = Markup(markdown_html(item["body"]))  # markdown-it escaped it
                files.append(
                    (
                        directory / lang / f"{item['id']}.html",
                        page.render(
                            article=item, body_html=html, agency=config.agency.name, lang=lang
                        ),
                    )
                )
            files.append(
                (
                    directory / lang / "index.html",
                    index.render(
                        articles=items,
                        agency=config.agency.name,
                        lang=lang,
                        language=LANGUAGE_NAMES[lang],
                        languages=None,
                    ),
                )
            )
        files.append(
            (
                directory / "index.html",
                index.render(
                    articles=None,
                    agency=config.agency.name,
                    lang="en",
                    language=None,
                    languages=[
                        {"lang": lang, "name": LANGUAGE_NAMES[lang], "count": len(items)}
                        for lang, items in by_lang.items()
                        if items
                    ],
                ),
            )
        )
    else:
        for lang, items in by_lang.items():
            if not items:
                continue
            lines = [f"# {LANGUAGE_NAMES[lang]}", ""]
            for item in items:
                lines.append(f"- [{md_escape(item['title'])}]({item['id']}.md)")
                files.append(
                    (
                        directory / lang / f"{item['id']}.md",
                        f"# {md_escape(item['title'])}\n\n{md_body(item['body'])}",
                    )
                )
            files.append((directory / lang / "index.md", "\n".join(lines) + "\n"))
    for path, text in files:
        _write(path, text)
    return Exported(directory, len(rows), len(files))
