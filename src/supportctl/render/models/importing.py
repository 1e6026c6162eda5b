"""What `render/inbox.py` reads of the values `services/importing.py` returns: the
fetch report and the plan `fetch --explain` shows. Both are services' classes full of
import logic, so views type against these protocols instead of importing them."""

from __future__ import annotations

from typing import Protocol

from supportctl.domain.threading import Identity


class ImportSummary(Protocol):
    """`services.importing.ImportReport`: what one fetch did."""

    def summary(self) -> str: ...


class ExplainedPlan(Protocol):
    """`services.importing.Plan`: every decision for one message, with its reason."""

    @property
    def identity(self) -> Identity: ...

    def steps(self) -> list[tuple[str, str, str]]: ...
