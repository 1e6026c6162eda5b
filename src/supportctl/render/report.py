"""The month report for people: figures, breach tables and a bar chart of tickets per week."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from supportctl.render.tables import Col, keyvalue, table

if TYPE_CHECKING:
    from supportctl.render.models.report import MonthReport
    from supportctl.render.screen import Screen

BAR_WIDTH = 40


def _minutes(value: int | None) -> str:
    if value is None:
        return "-"
    from supportctl.domain.sla import format_minutes

    return format_minutes(value)


def report_json(r: MonthReport) -> dict[str, Any]:
    return {
        "id": r.id,
        "tickets_in": r.tickets_in,
        "tickets_out": r.tickets_out,
        "responded": r.responded,
        "first_response_business_minutes": {
            "median": r.first_response_median_minutes,
            "p90": r.first_response_p90_minutes,
        },
        "breaches_by_customer": [
            {"id": b.id, "tickets": b.tickets, "response": b.response, "resolution": b.resolution}
            for b in r.breaches_by_customer
        ],
        "breaches_by_level": [
            {"id": b.id, "tickets": b.tickets, "response": b.response, "resolution": b.resolution}
            for b in r.breaches_by_level
        ],
        "tickets_per_week": [{"id": w, "tickets": n} for w, n in r.tickets_per_week],
        "minutes_per_person": [{"id": h, "minutes": m} for h, m in r.minutes_per_person],
        "minutes_per_customer": [{"id": c, "minutes": m} for c, m in r.minutes_per_customer],
    }


def bar_lines(weeks: list[tuple[str, int]], width: int = BAR_WIDTH) -> list[tuple[str, str, int]]:
    """(week, bar, count) with bars scaled to the busiest week."""
    top = max((n for _w, n in weeks), default=0)
    return [(w, "█" * (round(n / top * width) if top else 0), n) for w, n in weeks]


def emit_report(app_ctx: Screen, r: MonthReport, *, as_json: bool) -> None:
    if as_json:
        from supportctl.render.jsonout import emit_json

        emit_json(report_json(r))
        return
    keyvalue(
        app_ctx,
        f"Support report {r.id}",
        [
            ("tickets in", r.tickets_in),
            ("tickets resolved", r.tickets_out),
            (
                "first response, median",
                f"{_minutes(r.first_response_median_minutes)} business time",
            ),
            ("first response, 90th pct", f"{_minutes(r.first_response_p90_minutes)} business time"),
            ("answered", f"{r.responded} of {r.tickets_in}"),
        ],
    )
    columns = (
        Col("tickets", right=True),
        Col("response late", right=True),
        Col("resolution late", right=True),
    )
    table(
        app_ctx,
        ("customer", *columns),
        [(b.id, b.tickets, b.response, b.resolution) for b in r.breaches_by_customer],
        title="SLA breaches by customer",
        empty="no tickets this month",
    )
    table(
        app_ctx,
        ("level", *columns),
        [(b.id, b.tickets, b.response, b.resolution) for b in r.breaches_by_level],
        title="SLA breaches by level",
        empty="",
    )
    bars = bar_lines(r.tickets_per_week)
    if app_ctx.is_terminal():
        from rich.table import Table

        chart = Table(title="Tickets per week", show_header=False, box=None, title_justify="left")
        chart.add_column("week", no_wrap=True)
        chart.add_column("bar", style="cyan", no_wrap=True, overflow="crop")
        chart.add_column("n", justify="right", no_wrap=True)
        for week, bar, n in bars:
            chart.add_row(week, bar, str(n))
        app_ctx.out.print(chart)
    else:
        import sys

        sys.stdout.write("Tickets per week\n")
        for week, bar, n in bars:
            sys.stdout.write(f"{week}  {bar.ljust(BAR_WIDTH)}  {n:>3}\n")
    if r.minutes_per_person:
        table(
            app_ctx,
            ("person", Col("minutes", right=True)),
            r.minutes_per_person,
            title="Minutes logged per person",
        )
    if r.minutes_per_customer:
        table(
            app_ctx,
            ("customer", Col("minutes", right=True)),
            r.minutes_per_customer,
            title="Minutes logged per customer",
        )
