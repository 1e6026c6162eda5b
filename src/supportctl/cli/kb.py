"""`kb ...`: the knowledge base: add, edit, show, list, search, rm, suggest, export.

Without -m or --file, `kb add` and `kb edit` open $EDITOR (like `reply`) on the
article as Markdown, its first line the title as `# Title`. `kb add --from-ticket N`
drafts the article from the ticket and opens the editor on the draft when run on a
terminal; with `--yes` (or without a terminal, as in a script) the draft is saved as
drafted, and `-m`/`--file` replace the drafted body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supportctl.cli.common import AsOption, JsonFlag, LimitOption, get_app_context, sub_app

kb_app = sub_app("Knowledge base: answers written once, suggested on similar tickets.")

ArticleArg = Annotated[int, typer.Argument(metavar="ID", help="Article number (kb list).")]
MessageOption = Annotated[
    str | None,
    typer.Option(
        "-m", "--message", help="The article text (Markdown; no editor).", show_default=False
    ),
]
FileOption = Annotated[
    Path | None,
    typer.Option("--file", help="Read the article text from a file ('-' for stdin)."),
]
LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        metavar="LANG",
        help="Language: fi, cs or en (kb add: guessed from the text when not given).",
    ),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option("--tag", metavar="TAG", help="A tag, such as a skill name (repeatable)."),
]
TranslationOption = Annotated[
    int | None,
    typer.Option("--translation-of", metavar="ID", help="This article translates article ID."),
]


def _text(message: str | None, file: Path | None) -> str | None:
    from supportctl.errors import InputError

    if message is not None and file is not None:
        raise InputError("give the text with -m or with --file, not both")
    if file is not None:
        from supportctl.cli.reply import _read

        return _read(file)
    return message


def _editor(text: str) -> str:
    from supportctl.cli.reply import _edit

    return _edit(text)


@kb_app.command("add")
def kb_add(
    ctx: typer.Context,
    title: Annotated[
        str | None,
        typer.Argument(help="The title (with --from-ticket: the ticket's subject by default)."),
    ] = None,
    message: MessageOption = None,
    file: FileOption = None,
    lang: LangOption = None,
    tag: TagOption = None,
    shared: Annotated[
        bool, typer.Option("--shared", help="Customers may see it (replies, help pages).")
    ] = False,
    translation_of: TranslationOption = None,
    from_ticket: Annotated[
        int | None,
        typer.Option("--from-ticket", metavar="N", help="Draft it from ticket N and link it."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="With --from-ticket: save the draft without editing.")
    ] = False,
    edit: Annotated[
        bool,
        typer.Option("--edit", help="With --from-ticket: open the editor even without a terminal."),
    ] = False,
    as_: AsOption = None,
    json_: JsonFlag = False,
) -> None:
    """Write a new article (internal unless --shared).

    Example:  supportctl kb add "Mail bounces after a domain move" --lang en --tag dns -m "Check the MX and SPF records …"
    """
    import sys

    from supportctl.services import kb

    app_ctx = get_app_context(ctx)
    body = _text(message, file)
    clean_title, clean_body, clean_lang, tags = kb.parse_new(
        title=title, body=body, lang=lang, tags=tag or []
    )
    store = app_ctx.store
    ticket_id = None
    if from_ticket is not None:
        draft = kb.draft_from_ticket(store, from_ticket, lang)
        ticket_id = draft.ticket_id
        clean_title = clean_title or draft.title
        clean_lang = draft.lang
        tags = [*tags, *(t for t in draft.tags if t not in tags)]
        if clean_body is None:
            if edit or (not yes and sys.stdin.isatty()):
                clean_title, clean_body = kb.from_editor(
                    _editor(kb.editor_text(clean_title, draft.body))
                )
            else:
                clean_body = draft.body
    else:
        from supportctl.errors import InputError

        if clean_title is None:
            raise InputError("an article needs a title", hint='supportctl kb add "Title" -m "…"')
        if clean_body is None:
            clean_title, clean_body = kb.from_editor(_editor(kb.editor_text(clean_title, "")))
    if clean_lang is None:
        clean_lang = kb.guess_language(clean_title, clean_body)
    article_id = kb.add(
        store,
        title=clean_title,
        body=clean_body,
        lang=clean_lang,
        tags=tags,
        shared=shared,
        translation_of=translation_of,
        ticket_id=ticket_id,
        actor=app_ctx.actor(as_, required=False),
        now=app_ctx.now(),
    )
    if json_:
        from supportctl.render.jsonout import emit_json
        from supportctl.render.kb import article_json

        emit_json(article_json(kb.get(store, article_id, with_history=False)))
        return
    link = f", linked to ticket #{ticket_id}" if ticket_id else ""
    typer.echo(
        f"article {article_id} added ({clean_lang}, {'shared' if shared else 'internal'}{link})"
    )


@kb_app.command("edit")
def kb_edit(
    ctx: typer.Context,
    article_id: ArticleArg,
    message: MessageOption = None,
    file: FileOption = None,
    title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    lang: LangOption = None,
    tag: TagOption = None,
    untag: Annotated[
        list[str] | None, typer.Option("--untag", metavar="TAG", help="Remove a tag (repeatable).")
    ] = None,
    shared: Annotated[
        bool | None,
        typer.Option("--shared/--internal", help="Share with customers, or keep for the team."),
    ] = None,
    translation_of: TranslationOption = None,
    as_: AsOption = None,
) -> None:
    """Change an article; the old version stays in its history.

    Without -m, --file or any other option, $EDITOR opens on the article.

    Example:  supportctl kb edit 7 --tag dns --shared
    """
    from supportctl.services import kb

    app_ctx = get_app_context(ctx)
    body = _text(message, file)
    change = kb.parse_edit(
        title=title,
        body=body,
        lang=lang,
        visibility=None if shared is None else ("shared" if shared else "internal"),
        add_tags=tag or [],
        remove_tags=untag or [],
        translation_of=translation_of,
    )
    store = app_ctx.store
    if change.is_empty:
        current = kb.get(store, article_id, with_history=False)
        new_title, new_body = kb.from_editor(_editor(kb.editor_text(current.title, current.body)))
        change = kb.parse_edit(
            title=new_title,
            body=new_body,
            lang=None,
            visibility=None,
            add_tags=[],
            remove_tags=[],
            translation_of=None,
        )
    changed = kb.edit(
        store, article_id, change, actor=app_ctx.actor(as_, required=False), now=app_ctx.now()
    )
    typer.echo(f"article {article_id} {'changed' if changed else 'unchanged'}")


@kb_app.command("show")
def kb_show(ctx: typer.Context, article_id: ArticleArg, json_: JsonFlag = False) -> None:
    """Show an article with its translations, uses and history.

    Example:  supportctl kb show 7
    """
    from supportctl.render.kb import emit_article
    from supportctl.services import kb

    app_ctx = get_app_context(ctx)
    emit_article(app_ctx, kb.get(app_ctx.store, article_id), as_json=json_)


@kb_app.command("list")
def kb_list(
    ctx: typer.Context,
    lang: LangOption = None,
    tag: Annotated[
        str | None, typer.Option("--tag", metavar="TAG", help="Only with this tag.")
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """List articles with how often each was used in a reply and when last.

    Example:  supportctl kb list --lang fi --tag wordpress
    """
    from supportctl.render.kb import emit_list
    from supportctl.services import kb

    app_ctx = get_app_context(ctx)
    emit_list(app_ctx, kb.listing(app_ctx.store, lang=lang, tag=tag), as_json=json_)


@kb_app.command("search")
def kb_search_cmd(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(help="Words to find (all must occur; diacritics optional).")
    ],
    lang: LangOption = None,
    limit: LimitOption = 50,
    json_: JsonFlag = False,
) -> None:
    """Search article titles and texts, best match first.

    Example:  supportctl kb search "salasana vanhentunut"
    """
    from supportctl.render.kb import emit_hits
    from supportctl.services import kb

    app_ctx = get_app_context(ctx)
    emit_hits(app_ctx, kb.search(app_ctx.store, text, lang=lang, limit=limit), as_json=json_)


@kb_app.command("rm")
def kb_rm(ctx: typer.Context, article_id: ArticleArg, as_: AsOption = None) -> None:
    """Remove an article (its history and uses are kept).

    Example:  supportctl kb rm 7
    """
    from supportctl.render.safe import one_line
    from supportctl.services import kb

    app_ctx = get_app_context(ctx)
    article = kb.remove(
        app_ctx.store, article_id, actor=app_ctx.actor(as_, required=False), now=app_ctx.now()
    )
    typer.echo(f"article {article.id} removed: {one_line(article.title, 60)}")


@kb_app.command("suggest")
def kb_suggest(
    ctx: typer.Context,
    ticket_id: Annotated[int, typer.Argument(metavar="N", help="Ticket number.")],
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many of each kind.")
    ] = 10,
    json_: JsonFlag = False,
) -> None:
    """Articles and similar resolved tickets for a ticket, with the words that matched.

    Example:  supportctl kb suggest 42 --json
    """
    from supportctl.render.kb import emit_suggestions
    from supportctl.services.suggest import suggest

    app_ctx = get_app_context(ctx)
    found = suggest(app_ctx.store, ticket_id, articles=limit, tickets=limit)
    emit_suggestions(app_ctx, found, as_json=json_)


@kb_app.command("export")
def kb_export(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where to write the site.")],
    format_: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="html (a static site) or md.")
    ] = "html",
) -> None:
    """Write the shared articles as a small static help site (one index per language).

    Example:  supportctl kb export ./help --format html
    """
    from supportctl.services import kb_export

    app_ctx = get_app_context(ctx)
    written = kb_export.export(app_ctx.store, app_ctx.config, directory, format_)
    typer.echo(f"wrote {written.articles} articles, {written.files} files into {written.directory}")
