from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from emporium.payments.minor_units import from_minor_units, to_minor_units


@given(
    minor=st.integers(min_value=0, max_value=10**12),
    currency=st.sampled_from(["GBP", "EUR", "USD", "JPY", "KWD"]),
)
def test_minor_units_round_trip_exactly(minor, currency):
    assert to_minor_units(from_minor_units(minor, currency), currency) == minor


def test_pence_cents_and_yen():
    assert (
        to_minor_units(Decimal("24.95"), "GBP"),
        to_minor_units(Decimal("24.95"), "usd"),
        to_minor_units(Decimal("2495"), "JPY"),
        to_minor_units(Decimal("1.234"), "KWD"),
    ) == (2495, 2495, 2495, 1234)
