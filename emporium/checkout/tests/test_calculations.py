"""Properties of checkout arithmetic, for any lines, shipping method, voucher, VAT rate and currency.

Three levels: the pure calculation (thousands of examples), the service that prices real cart
rows from the database (``calculate_checkout_totals``), and the order ``place_order`` writes.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.calculations import (
    DiscountTerms,
    ShippingTerms,
    Totals,
    calculate_discount,
    calculate_subtotal,
    price_order,
)
from emporium.checkout.exceptions import VoucherNotApplicable
from emporium.checkout.models import Voucher
from emporium.checkout.services import calculate_checkout_totals, check_voucher, place_order
from emporium.checkout.tests.factories import (
    ShippingMethodFactory,
    TaxRateFactory,
    VoucherFactory,
    make_details,
)
from emporium.core.money import quantize

# Yen have no minor unit, pounds two digits, Kuwaiti dinars three.
MINOR_DIGITS = {"JPY": 0, "GBP": 2, "KWD": 3}
currencies = st.sampled_from(sorted(MINOR_DIGITS))
# Prices as staff might type them or an import might bring them: more digits than any minor unit.
amounts = st.decimals(min_value=0, max_value=10_000, places=4, allow_nan=False, allow_infinity=False)
quantities = st.integers(min_value=1, max_value=50)
grams = st.integers(min_value=0, max_value=5_000)
lines = st.lists(st.tuples(amounts, quantities, grams), max_size=10)
rates = st.sampled_from([Decimal(0), Decimal("0.05"), Decimal("0.1"), Decimal("0.2"), Decimal("0.25")])
shipping_terms = st.one_of(
    st.builds(ShippingTerms, kind=st.just("flat"), price=amounts),
    st.builds(ShippingTerms, kind=st.just("weight"), price=amounts, price_per_kg=amounts),
    st.builds(
        ShippingTerms,
        kind=st.sampled_from(["flat", "weight"]),
        price=amounts,
        price_per_kg=amounts,
        free_over=amounts,
    ),
)
percentages = st.decimals(min_value=0, max_value=100, places=2)
voucher_terms = st.one_of(
    st.none(),
    st.builds(DiscountTerms, kind=st.just("percentage"), value=percentages),
    st.builds(DiscountTerms, kind=st.just("fixed"), value=amounts),
)


def assert_consistent(totals: Totals, *, currency: str, rate: Decimal) -> None:
    """What every priced order must satisfy, however it was priced."""
    unit = Decimal(1).scaleb(-MINOR_DIGITS[currency])
    amounts = (totals.subtotal, totals.shipping, totals.discount, totals.tax, totals.total)
    assert all(amount >= 0 for amount in amounts)
    assert all(amount % unit == 0 for amount in amounts), "every amount is in whole minor units"
    assert totals.discount <= totals.subtotal
    assert totals.total == totals.subtotal + totals.shipping - totals.discount
    assert totals.tax == quantize(totals.total * rate / (1 + rate), currency)
    assert 0 <= totals.tax <= totals.total


@given(currency=currencies, lines=lines, shipping=shipping_terms, discount=voucher_terms, rate=rates)
def test_any_order_adds_up_in_whole_minor_units(currency, lines, shipping, discount, rate):
    totals = price_order(
        lines=[(price, quantity) for price, quantity, _ in lines],
        weight_grams=sum(weight * quantity for _, quantity, weight in lines),
        shipping=shipping,
        discount=discount,
        tax_rate=rate,
        currency=currency,
    )

    assert_consistent(totals, currency=currency, rate=rate)


@given(currency=currencies, lines=lines, shipping=shipping_terms, rate=rates)
def test_shipping_is_free_from_the_threshold_and_never_otherwise_less_than_its_base(
    currency, lines, shipping, rate
):
    totals = price_order(
        lines=[(price, quantity) for price, quantity, _ in lines],
        weight_grams=sum(weight * quantity for _, quantity, weight in lines),
        shipping=shipping,
        discount=None,
        tax_rate=rate,
        currency=currency,
    )

    if shipping.free_over is not None and totals.subtotal >= shipping.free_over:
        assert totals.shipping == 0
    else:
        assert totals.shipping >= quantize(shipping.price, currency)


@given(
    currency=currencies,
    lines=lines,
    kind=st.sampled_from(["percentage", "fixed"]),
    value=amounts,
    minimum_spend=amounts,
)
def test_a_voucher_below_its_minimum_spend_is_refused_and_above_it_never_takes_more_than_the_goods(
    currency, lines, kind, value, minimum_spend
):
    if kind == "percentage":
        value = min(value, Decimal(100))
    subtotal = calculate_subtotal(
        lines=[(price, quantity) for price, quantity, _ in lines], currency=currency
    )
    # Unsaved: without a per-customer limit, check_voucher asks the database nothing.
    voucher = Voucher(
        code="ANY",
        kind=kind,
        value=value,
        currency=currency,
        minimum_spend_amount=minimum_spend,
        starts_at=timezone.now() - timedelta(days=1),
    )

    try:
        check_voucher(
            voucher=voucher, subtotal=subtotal, currency=currency, customer=None, email="a@example.com"
        )
    except VoucherNotApplicable:
        assert subtotal < minimum_spend
    else:
        assert subtotal >= minimum_spend
        discount = calculate_discount(subtotal=subtotal, kind=kind, value=value, currency=currency)
        assert 0 <= discount <= subtotal


@given(subtotal=amounts, percent=percentages, currency=currencies)
def test_a_percentage_discount_never_exceeds_the_subtotal(subtotal, percent, currency):
    subtotal = quantize(subtotal, currency)
    discount = calculate_discount(subtotal=subtotal, kind="percentage", value=percent, currency=currency)

    assert 0 <= discount <= subtotal


# The database holds amounts with two decimal places, so the properties over stored rows use
# the currencies whose minor unit fits: pounds, and yen priced with pence-like fractions.
stored_currencies = st.sampled_from(["GBP", "JPY"])
stored_amounts = st.decimals(min_value=0, max_value=999, places=2, allow_nan=False, allow_infinity=False)
stored_lines = st.lists(
    st.tuples(
        stored_amounts, st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=3_000)
    ),
    min_size=1,
    max_size=4,
)
shipping_rows = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["flat", "weight"]),
        "price_amount": stored_amounts,
        "price_per_kg_amount": stored_amounts,
        "free_over_amount": st.none() | stored_amounts,
    }
)


def voucher_rows(minimum_spend: st.SearchStrategy[Decimal]) -> st.SearchStrategy[dict | None]:
    return st.none() | st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["percentage", "fixed"]),
            "value": st.decimals(min_value=0, max_value=100, places=2),
            "minimum_spend_amount": minimum_spend,
        }
    )


DB_EXAMPLES = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _cart_of(lines: list[tuple[Decimal, int, int]], *, currency: str):
    cart = CartFactory.create(currency=currency)
    for price, quantity, weight in lines:
        variant = VariantFactory.create(
            price_amount=price, currency=currency, weight_grams=weight, stock_on_hand=quantity
        )
        CartLineFactory.create(cart=cart, variant=variant, quantity=quantity)
    return cart


def _details_for(*, currency: str, shipping: dict, voucher: dict | None, rate: Decimal):
    TaxRateFactory.create(country="GB", rate=rate)
    method = ShippingMethodFactory.create(currency=currency, **shipping)
    code = ""
    if voucher is not None:
        code = VoucherFactory.create(currency=currency, **voucher).code
    return make_details(shipping_method=method, voucher_code=code)


@pytest.mark.django_db
@DB_EXAMPLES
@given(
    currency=stored_currencies,
    lines=stored_lines,
    shipping=shipping_rows,
    voucher=voucher_rows(st.just(Decimal(0)) | stored_amounts),
    rate=rates,
)
def test_checkout_prices_real_cart_rows_consistently(currency, lines, shipping, voucher, rate):
    with transaction.atomic():  # each example's rows are rolled back with it
        cart = _cart_of(lines, currency=currency)
        details = _details_for(currency=currency, shipping=shipping, voucher=voucher, rate=rate)

        try:
            totals, _ = calculate_checkout_totals(
                lines=list(cart.lines.select_related("variant")),
                details=details,
                customer=None,
                currency=currency,
            )
        except VoucherNotApplicable:
            subtotal = calculate_subtotal(lines=[(p, q) for p, q, _ in lines], currency=currency)
            assert voucher is not None
            assert subtotal < voucher["minimum_spend_amount"]
        else:
            assert_consistent(totals, currency=currency, rate=rate)
        transaction.set_rollback(True)


@pytest.mark.django_db
@DB_EXAMPLES
@given(
    currency=stored_currencies,
    lines=stored_lines,
    shipping=shipping_rows,
    voucher=voucher_rows(st.just(Decimal(0))),
    rate=rates,
)
def test_an_orders_lines_add_up_to_its_subtotal_and_its_amounts_to_its_total(
    currency, lines, shipping, voucher, rate
):
    with transaction.atomic():
        cart = _cart_of(lines, currency=currency)
        details = _details_for(currency=currency, shipping=shipping, voucher=voucher, rate=rate)

        order = place_order(cart=cart, customer=None, details=details, idempotency_key=uuid4())

        order.refresh_from_db()  # as stored, after the database's own rounding
        assert sum(line.total_amount for line in order.lines.all()) == order.subtotal_amount
        assert order.total_amount == order.subtotal_amount + order.shipping_amount - order.discount_amount
        assert order.tax_amount == quantize(order.total_amount * rate / (1 + rate), currency)
        transaction.set_rollback(True)
