"""Where templates come from and the one way a Jinja environment is built.

Mail, invoices and the exported help pages all read the packaged templates, overridden
file by file by the config directory's `templates/` (same relative name), with the same
settings: StrictUndefined, trimmed blocks, no reloading. What differs is said by the
caller: a sub-directory, and whether output is HTML (autoescape).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment


def packaged_templates_dir() -> Path:
    """The default templates: inside the installed package, or the repo's templates/."""
    import supportctl

    package_dir = Path(supportctl.__file__).resolve().parent
    installed = package_dir / "templates"
    if installed.is_dir():
        return installed
    return package_dir.parent.parent / "templates"


def user_templates_dir(config_dir: Path) -> Path:
    """The overrides: `templates/` beside the config file."""
    return config_dir / "templates"


def build_environment(
    user_dir: Path | None,
    *,
    autoescape: bool | Callable[[str | None], bool],
    subdir: str = "",
    keep_trailing_newline: bool = True,
) -> Environment:
    """A Jinja environment over the user's templates (when the directory exists), then
    the packaged ones, each below `subdir`."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

    loaders = []
    if user_dir is not None:
        user = user_dir / subdir if subdir else user_dir
        if user.is_dir():
            loaders.append(FileSystemLoader(str(user)))
    packaged = packaged_templates_dir()
    loaders.append(FileSystemLoader(str(packaged / subdir if subdir else packaged)))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
        auto_reload=False,
    )
