"""Invoice arithmetic: per-line half-up rounding, VAT once on the net, reverse charge."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.domain import billing

rates = st.integers(min_value=0, max_value=5_000_000)  # minor units per hour
minutes = st.integers(min_value=0, max_value=1440)
steps = st.sampled_from([1, 5, 6, 10, 15, 30, 60])
vat_rates = st.decimals(min_value=0, max_value=30, places=1, allow_nan=False, allow_infinity=False)


def test_billed_minutes_rounds_up_to_the_step() -> None:
    assert billing.billed_minutes(12, 1) == 12
    assert billing.billed_minutes(12, 15) == 15
    assert billing.billed_minutes(15, 15) == 15
    assert billing.billed_minutes(16, 15) == 30
    assert billing.billed_minutes(0, 15) == 0


def test_billed_minutes_refuses_a_zero_step() -> None:
    with pytest.raises(ValueError):
        billing.billed_minutes(10, 0)


def test_line_amount_half_up_to_the_minor_unit() -> None:
    # 1 minute at 75.00/h = 1.25 exactly; 1 minute at 0.50/h = 0.8333 cents -> 1 cent
    assert billing.line_amount_minor(1, 7500) == 125
    assert billing.line_amount_minor(1, 50) == 1
    # 1 minute at 0.30/h = 0.5 cents -> rounds half up to 1
    assert billing.line_amount_minor(1, 30) == 1
    # 1 minute at 0.29/h = 0.4833 cents -> 0
    assert billing.line_amount_minor(1, 29) == 0
    assert billing.line_amount_minor(55, 7500) == 6875


def test_vat_once_on_the_net_half_up() -> None:
    assert billing.vat_minor(18875, Decimal("25.5")) == 4813  # 48.13125
    assert billing.vat_minor(2, Decimal("25")) == 1  # 0.5 -> 1
    assert billing.vat_minor(37500, Decimal("21")) == 7875


def test_reverse_charge_only_for_business_customers_in_another_eu_country() -> None:
    assert billing.is_reverse_charge("CZ", "CZ12345678", "FI")
    assert not billing.is_reverse_charge("CZ", "", "FI")  # a consumer pays local VAT
    assert not billing.is_reverse_charge("FI", "FI87654321", "FI")  # same country
    assert not billing.is_reverse_charge("US", "US123", "FI")  # outside the EU
    assert billing.is_reverse_charge("ee", "EE100", "FI")


def test_totals_under_reverse_charge_have_zero_vat() -> None:
    tot = billing.totals([1000, 2000], [500], Decimal("21"), reverse_charge=True)
    assert (tot.net_minor, tot.vat_minor, tot.gross_minor) == (3500, 0, 3500)
    assert tot.vat_percent == 0 and tot.is_reverse_charge


def test_plan_that_fits_picks_the_smallest_covering_plan() -> None:
    assert billing.plan_that_fits(100, [60, 120, 600]) == 120
    assert billing.plan_that_fits(700, [60, 120, 600]) is None
    assert billing.plan_that_fits(0, [60]) is None


@given(
    st.lists(st.tuples(minutes, steps), max_size=40),
    rates,
    vat_rates,
    st.lists(st.integers(0, 10**7), max_size=5),
)
def test_net_is_the_sum_of_lines_and_fees(entries, rate, vat, fees) -> None:
    lines = [billing.line_amount_minor(billing.billed_minutes(m, s), rate) for m, s in entries]
    tot = billing.totals(lines, fees, vat, reverse_charge=False)
    assert tot.net_minor == sum(lines) + sum(fees)
    assert tot.gross_minor == tot.net_minor + tot.vat_minor
    assert isinstance(tot.net_minor, int) and isinstance(tot.vat_minor, int)
    assert tot.net_minor >= 0 and tot.vat_minor >= 0


@given(st.lists(st.tuples(minutes, steps), max_size=40), rates, vat_rates)
def test_amounts_are_never_float(entries, rate, vat) -> None:
    for m, s in entries:
        amount = billing.line_amount_minor(billing.billed_minutes(m, s), rate)
        assert type(amount) is int
    assert type(billing.vat_minor(rate, vat)) is int


@given(rates, vat_rates, st.integers(0, 10))
def test_a_month_with_no_billable_work_totals_zero(rate, vat, n) -> None:
    tot = billing.totals(
        [billing.line_amount_minor(0, rate) for _ in range(n)], [], vat, reverse_charge=False
    )
    assert (tot.net_minor, tot.vat_minor, tot.gross_minor) == (0, 0, 0)


@given(st.integers(2, 1440), rates, st.data())
def test_splitting_an_entry_changes_the_net_by_at_most_one_minor_unit(total, rate, data) -> None:
    cut = data.draw(st.integers(1, total - 1))
    whole = billing.line_amount_minor(billing.billed_minutes(total, 1), rate)
    split = billing.line_amount_minor(cut, rate) + billing.line_amount_minor(total - cut, rate)
    assert abs(whole - split) <= 1


@given(st.lists(st.integers(1, 600), min_size=1, max_size=10), rates)
def test_splitting_into_k_parts_changes_the_net_by_at_most_one_unit_per_split(parts, rate) -> None:
    whole = billing.line_amount_minor(sum(parts), rate)
    split = sum(billing.line_amount_minor(p, rate) for p in parts)
    assert abs(whole - split) <= len(parts) - 1


@given(minutes, rates)
def test_line_amount_matches_exact_decimal_arithmetic(m, rate) -> None:
    exact = (Decimal(m) * Decimal(rate) / Decimal(60)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert billing.line_amount_minor(m, rate) == int(exact)


@given(minutes, steps)
def test_billed_minutes_is_the_least_step_multiple_not_below(m, s) -> None:
    billed = billing.billed_minutes(m, s)
    assert billed % s == 0 and m <= billed < m + s


def test_monthly_fee_is_pro_rated_by_days_at_the_plans_start_and_end() -> None:
    from datetime import date

    nov = (date(2026, 11, 1), date(2026, 11, 30))
    assert billing.prorated_fee(29000, *nov, None, None) == (30, 30, 29000)
    assert billing.prorated_fee(29000, *nov, date(2026, 11, 16), None) == (15, 30, 14500)
    assert billing.prorated_fee(10000, *nov, None, date(2026, 11, 10)) == (10, 30, 3333)
    assert billing.prorated_fee(10000, *nov, date(2026, 12, 1), None) == (0, 30, 0)
    assert billing.prorated_fee(10000, *nov, None, date(2026, 10, 31)) == (0, 30, 0)
    assert billing.prorated_fee(
        3100, date(2026, 10, 1), date(2026, 10, 31), date(2026, 10, 16), date(2026, 10, 16)
    ) == (1, 31, 100)


def test_credit_note_negates_every_amount_and_names_the_invoice() -> None:
    from datetime import date

    from tests.unit.test_invoice_render import sample_report

    original = sample_report("fi_FI")
    credit = billing.credit_note(original, "2026-0009", date(2026, 11, 20))
    assert (credit.number, credit.kind, credit.credits) == ("2026-0009", "credit", "2026-0007")
    assert (credit.net_minor, credit.vat_minor, credit.gross_minor) == (
        -original.net_minor,
        -original.vat_minor,
        -original.gross_minor,
    )
    assert [ln.amount_minor for ln in credit.lines] == [-ln.amount_minor for ln in original.lines]
    assert [f.amount_minor for f in credit.fees] == [-f.amount_minor for f in original.fees]
    assert credit.plan_fee is not None and original.plan_fee is not None
    assert credit.plan_fee.amount_minor == -original.plan_fee.amount_minor
    assert credit.payment is None and credit.awaiting == ()
    assert (
        sum(ln.amount_minor for ln in credit.lines)
        + sum(f.amount_minor for f in credit.fees)
        + credit.plan_fee.amount_minor
        == credit.net_minor
    )
