"""Properties of checkout arithmetic, over any prices, quantities, shipping, discounts and rates."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from emporium.checkout.calculations import calculate_discount, calculate_totals

PENNY = Decimal("0.01")
prices = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
lines = st.lists(st.tuples(prices, st.integers(min_value=1, max_value=50)), max_size=10)
rates = st.sampled_from([Decimal(0), Decimal("0.05"), Decimal("0.2"), Decimal("0.25")])


@given(lines=lines, shipping=prices, discount=prices, rate=rates)
def test_total_is_lines_plus_shipping_minus_discount_and_never_negative(lines, shipping, discount, rate):
    totals = calculate_totals(
        lines=lines, currency="GBP", shipping=shipping, discount=discount, tax_rate=rate
    )

    assert totals.total == totals.subtotal + totals.shipping - totals.discount
    assert totals.total >= 0
    assert totals.discount <= totals.subtotal


@given(lines=lines, shipping=prices, discount=prices, rate=rates)
def test_every_amount_is_rounded_to_the_penny(lines, shipping, discount, rate):
    totals = calculate_totals(
        lines=lines, currency="GBP", shipping=shipping, discount=discount, tax_rate=rate
    )

    for amount in (totals.subtotal, totals.shipping, totals.discount, totals.total, totals.tax):
        assert amount == amount.quantize(PENNY)


@given(lines=lines, shipping=prices, rate=rates)
def test_included_tax_is_consistent_with_the_rate(lines, shipping, rate):
    totals = calculate_totals(lines=lines, currency="GBP", shipping=shipping, tax_rate=rate)

    net = totals.total - totals.tax
    assert 0 <= totals.tax <= totals.total
    assert abs(net * rate - totals.tax) <= PENNY * (1 + rate)


@given(subtotal=prices, percent=st.decimals(min_value=0, max_value=100, places=2))
def test_a_percentage_discount_never_exceeds_the_subtotal(subtotal, percent):
    discount = calculate_discount(subtotal=subtotal, kind="percentage", value=percent, currency="GBP")

    assert 0 <= discount <= subtotal


@given(lines=lines)
def test_yen_totals_have_no_minor_unit(lines):
    totals = calculate_totals(lines=lines, currency="JPY", tax_rate=Decimal("0.1"))

    assert totals.total == totals.total.quantize(Decimal(1))
