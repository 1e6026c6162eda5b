"""The view models `services/report.py` returns and `render/` shows (see the package doc)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Breaches:
    id: str  # customer slug or level
    tickets: int
    response: int
    resolution: int


@dataclass
class MonthReport:
    id: str  # "2026-10"
    tickets_in: int
    tickets_out: int
    responded: int
    first_response_median_minutes: int | None
    first_response_p90_minutes: int | None
    breaches_by_customer: list[Breaches] = field(default_factory=list)
    breaches_by_level: list[Breaches] = field(default_factory=list)
    tickets_per_week: list[tuple[str, int]] = field(default_factory=list)
    minutes_per_person: list[tuple[str, int]] = field(default_factory=list)
    minutes_per_customer: list[tuple[str, int]] = field(default_factory=list)
