"""Totals stay consistent for any mix of promotions, voucher, gift card, shipping and tax, in
any currency; and the storefront and the API give the same figures for the same cart."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.checkout.calculations import price_order, split_gift_card_payment
from emporium.checkout.exceptions import VoucherNotApplicable
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import (
    ShippingMethodFactory,
    TaxRateFactory,
    VoucherFactory,
    make_address,
    make_details,
)
from emporium.checkout.tests.test_calculations import (
    MINOR_DIGITS,
    amounts,
    assert_consistent,
    currencies,
    rates,
    shipping_terms,
    voucher_terms,
)
from emporium.promotions import engine
from emporium.promotions.models import Promotion
from emporium.promotions.tests.factories import PromotionFactory
from emporium.promotions.tests.test_engine import NOW, rules_strategy

items = st.lists(
    st.builds(
        lambda key, price, quantity, category: engine.Item(
            key=key,
            product_id=key,
            product_type_id=None,
            category_id=category,
            unit_price=price,
            quantity=quantity,
        ),
        key=st.integers(1, 10**6),
        price=amounts,
        quantity=st.integers(1, 12),
        category=st.integers(1, 3),
    ),
    max_size=6,
    unique_by=lambda item: item.key,
)
shoppers = st.builds(engine.Shopper, signed_in=st.booleans(), first_order=st.booleans())


@settings(max_examples=400, deadline=None)
@given(
    currency=currencies,
    cart=items,
    rules=rules_strategy(),
    shopper=shoppers,
    shipping=shipping_terms,
    voucher=voucher_terms,
    rate=rates,
    gift_card=st.one_of(st.none(), amounts),
)
def test_totals_stay_consistent_for_any_mix_of_promotions_voucher_gift_card_shipping_and_tax(
    currency, cart, rules, shopper, shipping, voucher, rate, gift_card
):
    # The rules' amounts are in GBP: in another currency only their percentages apply.
    promotions = engine.apply_promotions(cart, rules, now=NOW, shopper=shopper, currency=currency)
    totals = price_order(
        lines=[(item.unit_price, item.quantity) for item in cart],
        weight_grams=0,
        shipping=shipping,
        discount=voucher,
        tax_rate=rate,
        currency=currency,
        promotions=promotions,
    )

    assert_consistent(totals, currency=currency, rate=rate)
    unit = Decimal(1).scaleb(-MINOR_DIGITS[currency])
    assert totals.promotion_discount == promotions.discount
    assert totals.promotion_discount + totals.voucher_discount == totals.discount
    assert totals.voucher_discount >= 0
    assert all(applied.amount % unit == 0 for applied in promotions.applied)
    if promotions.free_shipping is not None:
        assert totals.shipping == 0
    if gift_card is not None:
        split = split_gift_card_payment(total=totals.total, balance=gift_card, currency=currency)
        assert split.gift_card + split.to_pay == totals.total
        assert 0 <= split.gift_card <= totals.total
        assert split.gift_card % unit == 0
        assert split.to_pay >= 0


# --- The same cart, priced by the storefront and by the API -----------------------------------

DB_EXAMPLES = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
stored = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2)


@pytest.mark.django_db
@DB_EXAMPLES
@given(
    prices=st.lists(st.tuples(stored, st.integers(1, 5)), min_size=1, max_size=4),
    percent=st.decimals(min_value=1, max_value=100, places=0),
    three_for_two=st.booleans(),
    threshold=st.one_of(st.none(), stored),
    voucher=st.one_of(st.none(), st.decimals(min_value=1, max_value=50, places=0)),
)
def test_the_api_preview_and_the_order_placed_agree_on_every_amount(
    prices, percent, three_for_two, threshold, voucher
):
    with transaction.atomic():
        category = CategoryFactory.create()
        PromotionFactory.create(
            name="Sale", value=percent, applies_to_all_products=False, categories=[category]
        )
        if three_for_two:
            PromotionFactory.create(
                name="3 for 2", kind=Promotion.Kind.BUY_X_GET_Y, value=100, buy_quantity=2, get_quantity=1
            )
        if threshold is not None:
            PromotionFactory.create(
                name="Spend more", kind=Promotion.Kind.SPEND_THRESHOLD, reward=Promotion.Reward.FREE_SHIPPING,
                value=0, threshold_amount=threshold,
            )  # fmt: skip
        TaxRateFactory.create(country="GB", rate=Decimal("0.2"))
        method = ShippingMethodFactory.create(price_amount=Decimal("3.95"))
        code = VoucherFactory.create(value=voucher).code if voucher is not None else ""
        cart = CartFactory.create()
        for index, (price, quantity) in enumerate(prices):
            product = make_product(
                f"Thing {index}", category=category if index % 2 == 0 else None, price=str(price)
            )
            CartLineFactory.create(cart=cart, variant=product.variants.get(), quantity=quantity)

        api = APIClient()
        api.credentials(HTTP_X_CART_TOKEN=str(cart.token))
        body = {"email": "a@example.com", "shipping_address": make_address(), "shipping_method_id": method.pk,
                "voucher_code": code}  # fmt: skip
        preview = api.post("/api/v1/checkout/preview/", body, format="json").json()
        try:
            order = place_order(
                cart=cart, customer=None, details=make_details(shipping_method=method, voucher_code=code),
                idempotency_key=uuid4(),
            )  # fmt: skip
        except VoucherNotApplicable:
            assert preview["code"] == "voucher_not_applicable"
        else:
            assert (preview["subtotal"], preview["discount"], preview["shipping"], preview["total"]) == (
                str(order.subtotal_amount), str(order.discount_amount), str(order.shipping_amount),
                str(order.total_amount),
            )  # fmt: skip
            assert preview["promotion_discount"] == str(order.promotion_discount_amount)
            assert (
                sum(line.discount_amount for line in order.lines.all())
                + sum(Decimal(p["amount"]) for p in order.applied_promotions or [] if p["scope"] == "order")
                == order.promotion_discount_amount
            )
        transaction.set_rollback(True)
