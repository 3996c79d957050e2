"""Unit tests of the payout rules: PAY-04's calendar, FEE-01's rounding, PAY-02's methods,
PAY-07's state table."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import Conflict, InvalidInput
from core.money import Money
from core.payouts.calendar import is_business_day, next_business_day, processing_day
from core.payouts.fees import split_fee
from core.payouts.methods import (
    MethodKind,
    allowed_kinds,
    mask,
    method_fee,
    names_match,
    validate_details,
)
from core.payouts.policy import DEFAULT_UNSERVED, PayoutPolicy
from core.payouts.states import TABLE, PayoutAction, PayoutActor, PayoutState, guard


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


# PAY-04: business days from the holidays library.

def test_pay_04_weekends_are_not_business_days_and_roll_to_monday() -> None:
    saturday, sunday, monday = date(2026, 1, 17), date(2026, 1, 18), date(2026, 1, 19)
    assert not is_business_day(saturday) and not is_business_day(sunday)
    assert processing_day(at(saturday)) == processing_day(at(sunday)) == date(2026, 1, 20)
    # 19 January 2026 is Martin Luther King Jr. Day: Tuesday it is.
    assert not is_business_day(monday)


def test_pay_04_a_business_day_before_the_cutoff_is_processed_that_day() -> None:
    wednesday = date(2026, 1, 14)
    assert processing_day(at(wednesday, 9)) == wednesday
    assert processing_day(at(wednesday, 12)) == date(2026, 1, 15)  # at the cut-off: next day


def test_pay_04_thanksgiving_is_skipped() -> None:
    thanksgiving = date(2026, 11, 26)
    assert not is_business_day(thanksgiving)
    assert processing_day(at(thanksgiving)) == date(2026, 11, 27)


def test_pay_04_independence_day_observed_on_a_friday_rolls_over_the_weekend() -> None:
    # 4 July 2026 is a Saturday: observed on Friday 3 July, so Monday 6 July comes next.
    friday = date(2026, 7, 3)
    assert not is_business_day(friday)
    assert processing_day(at(date(2026, 7, 2), 15)) == date(2026, 7, 6)
    assert next_business_day(friday) == date(2026, 7, 6)


def test_pay_04_year_end_skips_new_years_day() -> None:
    assert processing_day(at(date(2026, 12, 31), 18)) == date(2027, 1, 4)  # Fri 1 Jan, weekend


def test_pay_04_the_processing_country_is_a_setting() -> None:
    boxing_day = date(2025, 12, 26)  # a Friday: a holiday in the UK, not in the US
    assert is_business_day(boxing_day, "US") and not is_business_day(boxing_day, "GB")


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                    timezones=st.just(UTC)))
def test_pay_04_the_processing_day_is_always_a_business_day_within_a_week(
        moment: datetime) -> None:
    day = processing_day(moment)
    assert is_business_day(day) and 0 <= (day - moment.date()).days <= 6


# FEE-01: the fee rounds half up to the minor unit; gross = fee + net.

def test_fee_01_ten_percent_rounds_half_up_to_the_cent() -> None:
    cases = {"100.00": ("10.00", "90.00"), "0.05": ("0.01", "0.04"), "0.04": ("0.00", "0.04"),
             "0.15": ("0.02", "0.13"), "333.33": ("33.33", "300.00")}
    for gross, (fee, net) in cases.items():
        split = split_fee(Money.of(gross, "USD"), Decimal(10))
        assert (split.fee, split.net) == (Money.of(fee, "USD"), Money.of(net, "USD")), gross


def test_fee_01_zero_percent_turns_the_fee_off_and_jpy_rounds_to_the_yen() -> None:
    assert split_fee(Money.of("100", "USD"), Decimal(0)).fee == Money.zero("USD")
    assert split_fee(Money.of("105", "JPY"), Decimal(10)).fee == Money.of("11", "JPY")


@given(minor=st.integers(min_value=0, max_value=10**12),
       percent=st.decimals(min_value=0, max_value=Decimal("99.99"), places=2),
       currency=st.sampled_from(["USD", "JPY", "KWD"]))
def test_fee_01_gross_is_always_fee_plus_net(minor: int, percent: Decimal,
                                             currency: str) -> None:
    split = split_fee(Money(minor, currency), percent)
    assert split.fee + split.net == split.gross
    assert not split.fee.is_negative and not split.net.is_negative


def test_fee_01_the_policy_refuses_a_fee_of_100_percent_or_more() -> None:
    with pytest.raises(ValueError):
        PayoutPolicy(fee_percent=Decimal(100))


# PAY-02: methods, validation, masking; PAY-03's name check.

def test_pay_02_paypal_is_the_default_payoneer_only_where_paypal_does_not_serve() -> None:
    assert allowed_kinds("DE", DEFAULT_UNSERVED) == [MethodKind.PAYPAL, MethodKind.WIRE]
    assert allowed_kinds("PK", DEFAULT_UNSERVED) == [MethodKind.PAYONEER, MethodKind.WIRE]
    assert allowed_kinds("CA", DEFAULT_UNSERVED) == [MethodKind.PAYPAL, MethodKind.WIRE,
                                                     MethodKind.INTERAC]


def test_pay_02_an_iban_is_validated_by_its_check_digits() -> None:
    assert validate_details(MethodKind.WIRE, "de89 3704 0044 0532 0130 00") == (
        "DE89370400440532013000")
    for bad in ("DE89 3704 0044 0532 0130 01", "XX00 1234", "not an iban"):
        with pytest.raises(InvalidInput):
            validate_details(MethodKind.WIRE, bad)
    with pytest.raises(InvalidInput):
        validate_details(MethodKind.PAYPAL, "paypal.me/someone")


def test_pay_02_details_are_masked_after_entry() -> None:
    assert mask(MethodKind.PAYPAL, "pat@example.com") == "p***@example.com"
    assert mask(MethodKind.WIRE, "DE89370400440532013000") == "DE89 **** 3000"


def test_pay_02_wire_costs_50_usd_interac_10_cad_only_on_managed_service() -> None:
    assert method_fee(MethodKind.WIRE) == Money.of("50", "USD")
    assert method_fee(MethodKind.INTERAC) == Money.zero("CAD")
    assert method_fee(MethodKind.INTERAC, managed_service=True) == Money.of("10", "CAD")
    assert method_fee(MethodKind.PAYPAL) == Money.zero("USD")


def test_pay_03_the_holder_must_be_the_legal_name_in_any_case_and_order() -> None:
    assert names_match("boris ivanov", "Boris  Ivanov")
    assert names_match("Ivanov Boris", "Boris Ivanov")
    assert not names_match("Maria Ivanova", "Boris Ivanov")
    assert not names_match("Boris Ivanov", None)


# PAY-07: the state table, held against an independently written list.

EXPECTED = {
    ("requested", "schedule", "system"): "scheduled",
    ("requested", "flag", "system"): "flagged",
    ("flagged", "confirm", "support"): "scheduled",
    ("flagged", "refuse", "support"): "failed",
    ("requested", "cancel", "owner"): "cancelled",
    ("scheduled", "cancel", "owner"): "cancelled",
    ("flagged", "cancel", "owner"): "cancelled",
    ("scheduled", "send", "system"): "sent",
    ("scheduled", "send", "support"): "sent",
    ("sent", "pay", "system"): "paid",
    ("sent", "pay", "support"): "paid",
    ("scheduled", "fail", "system"): "failed",
    ("scheduled", "fail", "support"): "failed",
    ("sent", "fail", "system"): "failed",
    ("sent", "fail", "support"): "failed",
    ("sent", "return", "system"): "returned",
}


def test_pay_07_every_state_action_actor_triple_matches_the_written_list() -> None:
    for state in PayoutState:
        for action in PayoutAction:
            for actor in PayoutActor:
                wanted = EXPECTED.get((state.value, action.value, actor.value))
                if wanted is None:
                    with pytest.raises(Conflict):
                        guard(state, action, actor)
                else:
                    assert guard(state, action, actor).value == wanted
    assert len(EXPECTED) == sum(len(r.sources) * len(r.actors) for r in TABLE)


def test_pay_07_a_sent_payout_can_no_longer_be_cancelled() -> None:
    with pytest.raises(Conflict):
        guard(PayoutState.SENT, PayoutAction.CANCEL, PayoutActor.OWNER)
