"""Invoice views for the terminal: month runs, invoices, fees and sent mail, as tables
or as JSON documents."""

from __future__ import annotations

from typing import Any

from supportctl.domain.money import minor_digits

# --- terminal output -----------------------------------------------------------------


def _plain_money(amount_minor: int | None, currency: str) -> str:
    from supportctl.domain.money import to_decimal

    if amount_minor is None:
        return ""
    return f"{to_decimal(amount_minor, currency):.{minor_digits(currency)}f}"


def month_run_json(run: Any) -> dict[str, Any]:
    from supportctl.render.jsonout import to_jsonable

    def money(minor: int, currency: str) -> dict[str, Any]:
        return {"amount_minor": minor, "currency": currency}

    return {
        "month": run.month,
        "format": run.format,
        "out_dir": str(run.out_dir),
        "issued": run.issued,
        "reports": [
            {
                "id": r.number or r.customer,
                "customer": r.customer,
                "number": r.number,
                "status": r.status,
                "path": None if r.path is None else str(r.path),
                "billable_minutes": r.billable_minutes,
                "included_used_minutes": r.included_used_minutes,
                "included_left_minutes": r.included_left_minutes,
                "net": money(r.net_minor, r.currency),
                "vat": money(r.vat_minor, r.currency),
                "gross": money(r.gross_minor, r.currency),
                "plan_hint_minutes": r.plan_hint_minutes,
                "report": None if r.report is None else to_jsonable(r.report),
            }
            for r in run.reports
        ],
    }


def emit_month_run(app_ctx: Any, run: Any, *, as_json: bool) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import Col, same, say, table

    if as_json:
        emit_json(month_run_json(run))
        return
    if not run.reports:
        say(app_ctx, f"no customer has work or fees in {run.month}; nothing rendered")
        return
    rows = []
    for r in run.reports:
        included = (
            ""
            if r.included_used_minutes is None
            else f"{r.included_used_minutes}/{r.included_left_minutes}"
        )
        mark = f"* fits {r.plan_hint_minutes} min plan" if r.plan_hint_minutes else ""
        rows.append(
            (
                r.customer,
                r.number or ("draft" if r.status == "draft" else ""),
                r.billable_minutes,
                included,
                _plain_money(r.net_minor, r.currency),
                _plain_money(r.vat_minor, r.currency),
                _plain_money(r.gross_minor, r.currency),
                r.currency,
                mark,
            )
        )
    table(
        app_ctx,
        (
            Col("customer"),
            Col("invoice"),
            Col("billable min", right=True, give=2, short=same, short_name="min"),
            Col("included used/left", right=True, give=3, short=same, short_name="incl."),
            Col("net", right=True),
            Col("VAT", right=True),
            Col("gross", right=True),
            Col("currency", give=4, short=same, short_name="cur"),
            Col("", give=1, short=_star, hide_empty=True),
        ),
        rows,
        title=f"Invoices {run.month}",
        limit=None,
    )
    if any(r.plan_hint_minutes for r in run.reports):
        say(
            app_ctx,
            "* hosting customer whose billable work this month would have fitted a maintenance plan: worth offering one",
        )
    frozen = [r for r in run.reports if r.status == "frozen"]
    if frozen:
        say(
            app_ctx,
            f"{len(frozen)} already issued (written from the stored documents): "
            + ", ".join(f"{r.customer} {r.number}" for r in frozen),
        )
    verb = "issued and wrote" if run.issued else "wrote"
    say(app_ctx, f"{verb} {len(run.reports)} {run.format} file(s) in {run.out_dir}")


def _star(cell: Any) -> str:
    """The plan hint as its footnote mark alone."""
    return "*"


def _invoice_json(info: Any) -> dict[str, Any]:
    def money(minor: int) -> dict[str, Any]:
        return {"amount_minor": minor, "currency": info.currency}

    return {
        "id": info.id,
        "number": info.id,
        "customer": info.customer,
        "month": info.month,
        "status": info.status,
        "issued_at": info.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "void_reason": info.void_reason,
        "net": money(info.net_minor),
        "vat": money(info.vat_minor),
        "gross": money(info.gross_minor),
        "lines": info.lines,
        "formats": info.formats,
        "kind": info.kind,
        "reference": info.reference,
        "credits": info.credits,
        "credit_note": info.credit_note,
        "sent_at": None if info.sent_at is None else info.sent_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def emit_invoice(app_ctx: Any, info: Any, *, as_json: bool) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import keyvalue

    if as_json:
        emit_json(_invoice_json(info))
        return
    keyvalue(
        app_ctx,
        f"{'Credit note' if info.kind == 'credit' else 'Invoice'} {info.id}",
        [
            ("customer", info.customer),
            ("reference", info.reference or "-"),
            *([("credits invoice", info.credits)] if info.credits else []),
            *([("credit note", info.credit_note)] if info.credit_note else []),
            ("sent", info.sent_at.strftime("%Y-%m-%d %H:%M UTC") if info.sent_at else "not yet"),
            ("month", info.month),
            ("status", info.status + (f" ({info.void_reason})" if info.void_reason else "")),
            ("issued", info.issued_at.strftime("%Y-%m-%d %H:%M UTC")),
            ("net", _plain_money(info.net_minor, info.currency) + " " + info.currency),
            ("VAT", _plain_money(info.vat_minor, info.currency) + " " + info.currency),
            ("gross", _plain_money(info.gross_minor, info.currency) + " " + info.currency),
            ("lines", info.lines),
            (
                "documents",
                ", ".join(info.formats) + f"  (supportctl invoice show {info.id} --format html)",
            ),
        ],
    )


def emit_invoices(app_ctx: Any, infos: list[Any], *, as_json: bool) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import Col, table

    if as_json:
        emit_json([_invoice_json(i) for i in infos])
        return
    table(
        app_ctx,
        (
            Col("number"),
            Col("customer"),
            Col("month"),
            Col("status"),
            Col("gross", right=True),
            Col("currency"),
        ),
        [
            (
                i.id,
                i.customer,
                i.month,
                (f"credit note for {i.credits}" if i.kind == "credit" else i.status)
                + (" (sent)" if i.sent_at else ""),
                _plain_money(i.gross_minor, i.currency),
                i.currency,
            )
            for i in infos
        ],
        empty="no invoices issued yet; run `supportctl invoice MONTH --issue`",
    )


def emit_fees(app_ctx: Any, fees: list[Any], *, as_json: bool, single: bool = False) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.tables import Col, same, table

    def fee_json(f: Any) -> dict[str, Any]:
        return {
            "id": f.id,
            "customer": f.customer,
            "date": f.day.isoformat(),
            "amount": {"amount_minor": f.amount_minor, "currency": f.currency},
            "description": f.description,
            "invoice": f.invoice,
        }

    if as_json:
        emit_json(fee_json(fees[0]) if single else [fee_json(f) for f in fees])
        return
    table(
        app_ctx,
        (
            Col("id", right=True),
            Col("customer"),
            Col("date"),
            Col("amount", right=True),
            Col("currency", give=1, short=same, short_name="cur"),
            Col("description", flex=True),
            Col("invoice"),
        ),
        [
            (
                f.id,
                f.customer,
                f.day.isoformat(),
                _plain_money(f.amount_minor, f.currency),
                f.currency,
                f.description,
                f.invoice or "",
            )
            for f in fees
        ],
        empty="no fees",
    )


def emit_sent(app_ctx: Any, sent: list[Any], *, as_json: bool) -> None:
    from supportctl.render.jsonout import emit_json
    from supportctl.render.safe import term_safe

    if as_json:
        emit_json(
            [
                {
                    "id": s.number,
                    "number": s.number,
                    "customer": s.customer,
                    "to": s.to,
                    "subject": s.subject,
                    "document": s.filename,
                    "bytes": s.size,
                    "dry_run": s.dry_run,
                    "sent_via": s.where,
                }
                for s in sent
            ]
        )
        return
    out = app_ctx.out
    for s in sent:
        verb = "would send" if s.dry_run else "sent"
        out.print(
            term_safe(
                f"{verb} invoice {s.number} ({s.customer}) to {s.to}: "
                f"{s.filename}, {s.size} bytes" + ("" if s.dry_run else f" via {s.where}")
            ),
            markup=False,
        )
        if s.dry_run:
            out.print(term_safe(s.text), markup=False)
