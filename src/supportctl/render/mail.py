"""Mail text from templates: acknowledgements, notices, reminders and canned replies.

Templates live in `templates/mail/` (packaged) and may be overridden by files of the
same name under `<config dir>/templates/mail/`. A mail in a customer's language is
`mail/NAME.<lang>.txt.j2` (fi, cs, en), falling back to `mail/NAME.txt.j2`. Canned
replies are `mail/canned/NAME[.<lang>].txt.j2`. Plain text: no autoescaping, but
`StrictUndefined`, so a typo in a template is an error rather than a blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportctl.errors import ConfigError, InputError
from supportctl.render.templates import build_environment, user_templates_dir
from supportctl.render.templates import packaged_templates_dir as packaged_templates_dir

if TYPE_CHECKING:
    from jinja2 import Environment

LANGUAGES = ("fi", "cs", "en")
# babel patterns that read well inside a sentence of each language.
_WHEN = {
    "fi": "EEEE d.M.yyyy 'klo' H.mm",
    "cs": "EEEE d. M. yyyy, H:mm",
    "en": "EEEE d MMMM yyyy, HH:mm",
}


@lru_cache(maxsize=8)
def environment(user_dir: Path | None) -> Environment:
    return build_environment(user_dir, autoescape=False)


def format_when(moment: datetime, lang: str, timezone: str) -> str:
    """A due time for a sentence in the customer's language, in the agency's zone."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    locale = lang if lang in LANGUAGES else "en"
    return str(format_datetime(moment, _WHEN[locale], tzinfo=ZoneInfo(timezone), locale=locale))


def render(config_dir: Path, name: str, lang: str, context: dict[str, Any]) -> str:
    """Render `mail/NAME.<lang>.txt.j2`, else `mail/NAME.txt.j2`."""
    from jinja2 import TemplateError, TemplateNotFound

    env = environment(user_templates_dir(config_dir))
    candidates = [f"mail/{name}.{lang}.txt.j2", f"mail/{name}.txt.j2"]
    try:
        template = env.select_template(candidates)
    except TemplateNotFound:
        raise ConfigError(f"no mail template {candidates[-1]} (nor {candidates[0]})") from None
    try:
        text = template.render(**context)
    except TemplateError as exc:
        raise ConfigError(f"mail template {template.name} failed: {exc}") from None
    return text.strip("\n") + "\n"


@dataclass(frozen=True)
class CannedTemplate:
    name: str
    languages: tuple[str, ...]
    summary: str  # the first line of the default rendering source, for the listing
    path: str


def _canned_files(config_dir: Path) -> dict[str, dict[str, Path]]:
    found: dict[str, dict[str, Path]] = {}
    for root in (packaged_templates_dir(), user_templates_dir(config_dir)):
        folder = root / "mail" / "canned"
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.txt.j2")):
            stem = path.name[: -len(".txt.j2")]
            name, _, lang = stem.rpartition(".")
            if not name or lang not in LANGUAGES:
                name, lang = stem, ""
            found.setdefault(name, {})[lang] = path
    return found


def canned_templates(config_dir: Path) -> list[CannedTemplate]:
    """Every canned reply (packaged and the user's), with its languages."""
    out = []
    for name, variants in sorted(_canned_files(config_dir).items()):
        langs = tuple(lang for lang in LANGUAGES if lang in variants)
        source = variants.get("") or variants.get("en") or next(iter(variants.values()))
        summary = ""
        for line in source.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("{#") and line.endswith("#}"):
                summary = line[2:-2].strip()
                break
        out.append(CannedTemplate(name, langs, summary, str(source)))
    return out


class NeedsText(Exception):
    """A canned reply has a place for the writer's own text (`{{ text }}`) and none came."""


class TextSlot:
    """The writer's own text in a canned reply: `{{ text }}` is a place that must be filled,
    `{% if text %}…{% endif %}` an optional one. Remembers whether the template used it."""

    def __init__(self, value: str | None) -> None:
        self.value = value
        self.used = False

    def __bool__(self) -> bool:
        self.used = True
        return bool(self.value)

    def __str__(self) -> str:
        self.used = True
        if self.value is None:
            raise NeedsText
        return self.value


def render_canned(
    config_dir: Path, name: str, lang: str, context: dict[str, Any], *, text: str | None = None
) -> str:
    """A canned reply; `text` (from -m) fills its `{{ text }}` place, or, in a template
    without one, follows its first paragraph (the greeting). NeedsText when the template
    has a place to fill and `text` is None."""
    known = _canned_files(config_dir)
    if name not in known:
        names = ", ".join(sorted(known)) or "none"
        raise InputError(
            f"no canned reply '{name}' (known: {names})",
            hint="run `supportctl reply --templates`",
        )
    slot = TextSlot(text)
    rendered = render(config_dir, f"canned/{name}", lang, {**context, "text": slot})
    if text and not slot.used:
        greeting, sep, rest = rendered.partition("\n\n")
        rendered = (
            f"{greeting}\n\n{text.strip()}\n\n{rest}" if sep else f"{text.strip()}\n\n{rendered}"
        )
    return rendered
