"""Every command and group has help text with an example, and the registry is complete."""

import typer.main

from supportctl.cli import COMMANDS, app


def _walk(command, path):
    yield path, command
    if hasattr(command, "list_commands"):
        for name in command.list_commands(None):
            yield from _walk(command.get_command(None, name), [*path, name])


def _all_commands():
    root = typer.main.get_command(app)
    for name in COMMANDS:
        yield from _walk(root.get_command(None, name), [name])


def test_every_command_has_help_and_example():
    missing = []
    for path, command in _all_commands():
        text = (command.help or "").strip()
        if not text:
            missing.append(" ".join(path) + ": no help")
        elif not hasattr(command, "list_commands") and "Example" not in text:
            missing.append(" ".join(path) + ": no example")
    assert not missing, missing


def test_help_runs_for_every_command(cli):
    for path, _command in _all_commands():
        result = cli.ok(*path, "--help")
        assert "Usage" in result.stdout


def test_root_help_lists_every_registered_command(cli):
    out = cli.ok("--help").stdout
    for name in COMMANDS:
        assert name in out


def test_unknown_command_is_usage_error(cli):
    result = cli("nosuchcommand")
    assert result.exit_code == 2


def _documentation() -> str:
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    texts = [(repo / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted((repo / "docs").rglob("*.md"))]
    return "\n".join(texts)


def test_every_option_has_help_text():
    import click

    missing = []
    for path, command in _all_commands():
        for param in command.params:
            if (
                isinstance(param, click.Option)
                and not param.hidden
                and not (param.help or "").strip()
            ):
                missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert not missing, missing


def test_every_command_and_option_is_documented():
    """Each command appears in README.md or docs/ as `supportctl <command path>`, and
    each of its options by name somewhere there too."""
    import click

    docs = _documentation()
    commands = dict((tuple(path), command) for path, command in _all_commands())
    missing = []
    for path, command in _all_commands():
        if not hasattr(command, "list_commands") and f"supportctl {' '.join(path)}" not in docs:
            # a group's default subcommand may be documented in its short form
            parent = commands.get(tuple(path[:-1]))
            short = getattr(parent, "default_command", None) == path[-1]
            if not (short and f"supportctl {' '.join(path[:-1])} " in docs):
                missing.append(" ".join(path))
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                names = [o for o in param.opts + param.secondary_opts if o.startswith("--")]
                if names and not any(n in docs for n in names) and names != ["--help"]:
                    missing.append(f"{' '.join(path)} {names[0]}")
    assert not missing, missing


def test_help_reads_well_at_80_columns(cli):
    """No line past 80 columns and no paragraph ending in a word alone on its line."""
    from supportctl.cli.helpformat import _orphaned

    bad = []
    for path in [[], *(p for p, _c in _all_commands())]:
        out = cli.ok(*path, "--help", env={"COLUMNS": "80"}).stdout
        wide = [line for line in out.splitlines() if len(line) > 80]
        # Paragraphs of the help text and each option's help (its column from 3 spaces in).
        blocks = [b for b in out.split("\n\n")]
        blocks += [
            "\n".join(line[line.index("   ") :] for line in b.splitlines() if "   " in line)
            for b in blocks
        ]
        orphans = [b for b in blocks if _orphaned(b)]
        if wide or orphans:
            bad.append((" ".join(path), wide, orphans))
    assert not bad, bad
