"""`config show`: the configuration in force."""

from __future__ import annotations

import typer

from supportctl.cli.common import JsonFlag, get_app_context, sub_app

config_app = sub_app("Look at the configuration.")


@config_app.command("show")
def config_show(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """Show the configuration in force (secrets are never printed).

    Example:  supportctl config show
    """
    from supportctl.render.jsonout import emit_json, to_jsonable

    app_ctx = get_app_context(ctx)
    cfg = app_ctx.config
    data = {
        "path": str(cfg.path),
        "exists": cfg.exists,
        "database": str(app_ctx.db_path),
        "user": cfg.user,
        "agency": to_jsonable(cfg.agency),
        "imap": [
            {**to_jsonable(a), "password_command": "••••" if a.password_command else None}
            for a in cfg.imap
        ],
        "smtp": None
        if cfg.smtp is None
        else {
            **to_jsonable(cfg.smtp),
            "password_command": "••••" if cfg.smtp.password_command else None,
        },
        "alerts": {
            "mail": cfg.alerts.mail,
            "command": cfg.alerts.command,
            "timeout_seconds": cfg.alerts.timeout_seconds,
        },
    }
    if json_:
        emit_json(data)
        return
    from supportctl.render.tables import keyvalue

    keyvalue(
        app_ctx,
        f"config {data['path']}" + ("" if cfg.exists else " (not written yet: defaults)"),
        [
            ("database", data["database"]),
            ("user", cfg.user or "-"),
            *[(f"agency.{k}", v) for k, v in data["agency"].items()],
            ("imap accounts", ", ".join(a.name for a in cfg.imap) or "-"),
            ("smtp", cfg.smtp.host if cfg.smtp else "-"),
            ("alerts", ", ".join(cfg.alerts.channels) or "-"),
        ],
    )
