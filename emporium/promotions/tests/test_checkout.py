"""Automatic promotions through the cart, checkout, the API and the order: the same pricing
everywhere, the price charged the price shown, and the order explaining each discount."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from uuid import uuid4

import pytest
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import CategoryFactory, VariantFactory, make_product
from emporium.checkout.exceptions import VoucherNotApplicable
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import (
    ShippingMethodFactory,
    VoucherFactory,
    make_address,
    make_details,
)
from emporium.orders.models import Order
from emporium.orders.selectors import list_order_totals
from emporium.payments.services import cancel_order_and_release
from emporium.promotions.exceptions import PromotionUsedUp
from emporium.promotions.models import Promotion, PromotionUsage
from emporium.promotions.selectors import list_rules
from emporium.promotions.tests.factories import PromotionFactory

pytestmark = pytest.mark.django_db
# A sale price as the cards and the buy box print it (the class alone is also in the page's inlined CSS).
SALE = 'class="price price--sale"'


def _cart(*lines: tuple[str, int], customer=None):
    cart = CartFactory.create(customer=customer)
    variants = []
    for price, quantity in lines:
        variant = VariantFactory.create(price_amount=Decimal(price), stock_on_hand=50)
        CartLineFactory.create(cart=cart, variant=variant, quantity=quantity)
        variants.append(variant)
    return cart, variants


def _form(method, **overrides):
    data = {
        "email": "guest@example.com", "shipping_full_name": "Gus Guest", "shipping_line1": "2 Park Row",
        "shipping_city": "Leeds", "shipping_postcode": "LS1 5HD", "shipping_country": "GB", "billing_same": "on",
        "shipping_method": method.pk, "voucher_code": "", "idempotency_key": str(uuid4()),
    }  # fmt: skip
    return {**data, **overrides}


def test_an_order_records_each_lines_discount_and_each_promotion_and_adds_up():
    candles = CategoryFactory.create(name="Candles")
    lantern = make_product("Lantern", category=candles, price="10.00")
    mug = make_product("Mug", price="4.00")
    PromotionFactory.create(name="Candle week", applies_to_all_products=False, categories=[candles], value=20)
    PromotionFactory.create(
        name="3 for 2", kind=Promotion.Kind.BUY_X_GET_Y, value=100, buy_quantity=2, get_quantity=1,
        applies_to_all_products=False, products=[mug],
    )  # fmt: skip
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=lantern.variants.get(), quantity=2)
    CartLineFactory.create(cart=cart, variant=mug.variants.get(), quantity=3)
    method = ShippingMethodFactory.create(price_amount=Decimal("3.95"))

    order = place_order(
        cart=cart, customer=None, details=make_details(shipping_method=method), idempotency_key=uuid4()
    )

    # 2 x 10.00 at 20% off = 16.00; 3 mugs, one free = 8.00; + 3.95 shipping.
    assert (order.subtotal_amount, order.discount_amount, order.promotion_discount_amount) == (
        Decimal("32.00"), Decimal("8.00"), Decimal("8.00"),
    )  # fmt: skip
    assert order.total_amount == Decimal("27.95")
    assert order.total_amount == order.subtotal_amount - order.discount_amount + order.shipping_amount
    lines = {line.product_name.split(" (")[0]: line for line in order.lines.all()}
    assert (lines["Lantern"].discount_amount, lines["Lantern"].discount_label) == (
        Decimal("4.00"),
        "Candle week",
    )
    assert (lines["Mug"].discount_amount, lines["Mug"].discount_label) == (Decimal("4.00"), "3 for 2")
    rows = [(row.label, row.formatted_amount) for row in list_order_totals(order=order)]
    assert ("Candle week", "\N{MINUS SIGN}£4.00") in rows
    assert ("3 for 2", "\N{MINUS SIGN}£4.00") in rows
    assert not any(label.startswith("Discount") for label, _ in rows)


def test_a_voucher_applies_to_what_the_goods_cost_after_the_promotions():
    cart, _ = _cart(("50.00", 1))
    PromotionFactory.create(value=20)
    VoucherFactory.create(code="TEN", value=Decimal(10))

    order = place_order(
        cart=cart, customer=None, details=make_details(voucher_code="TEN"), idempotency_key=uuid4()
    )

    # 50.00 - 20% = 40.00; then 10% of 40.00 = 4.00.
    assert (order.promotion_discount_amount, order.discount_amount) == (Decimal("10.00"), Decimal("14.00"))
    rows = [(row.label, row.formatted_amount) for row in list_order_totals(order=order)]
    assert ("Discount (TEN)", "\N{MINUS SIGN}£4.00") in rows


def test_a_promotion_that_does_not_combine_with_vouchers_refuses_the_code_and_charges_nothing():
    cart, _ = _cart(("50.00", 1))
    PromotionFactory.create(name="Black Friday", combines_with_vouchers=False)
    VoucherFactory.create(code="TEN")

    with pytest.raises(VoucherNotApplicable, match="Black Friday"):
        place_order(
            cart=cart, customer=None, details=make_details(voucher_code="TEN"), idempotency_key=uuid4()
        )
    assert not Order.objects.exists()


def test_spend_over_a_threshold_makes_shipping_free_and_the_order_says_why():
    cart, _ = _cart(("30.00", 2))
    PromotionFactory.create(
        name="Free delivery over £50", kind=Promotion.Kind.SPEND_THRESHOLD, reward=Promotion.Reward.FREE_SHIPPING,
        value=0, threshold_amount=Decimal("50.00"),
    )  # fmt: skip
    method = ShippingMethodFactory.create(name="UK Standard", price_amount=Decimal("3.95"))

    order = place_order(
        cart=cart, customer=None, details=make_details(shipping_method=method), idempotency_key=uuid4()
    )

    assert (order.shipping_amount, order.total_amount) == (Decimal("0.00"), Decimal("60.00"))
    labels = [row.label for row in list_order_totals(order=order)]
    assert "Shipping (UK Standard; free: Free delivery over £50)" in labels


def test_first_order_promotions_are_for_signed_in_customers_who_have_not_ordered_yet():
    PromotionFactory.create(name="Welcome", segment=Promotion.Segment.FIRST_ORDER, value=15)
    customer = UserFactory.create()
    details = make_details(email=customer.email)

    guest_cart, _ = _cart(("20.00", 1))
    guest_order = place_order(cart=guest_cart, customer=None, details=details, idempotency_key=uuid4())
    first_cart, _ = _cart(("20.00", 1), customer=customer)
    first = place_order(cart=first_cart, customer=customer, details=details, idempotency_key=uuid4())
    CartLineFactory.create(cart=first_cart, variant=VariantFactory.create(price_amount=Decimal("20.00")))
    second = place_order(cart=first_cart, customer=customer, details=details, idempotency_key=uuid4())

    assert [o.promotion_discount_amount for o in (guest_order, first, second)] == [0, Decimal("3.00"), 0]


def test_a_limited_promotion_counts_its_uses_refuses_when_used_up_and_gets_them_back_on_cancel():
    promotion = PromotionFactory.create(name="First ten", usage_limit=1)
    cart, _ = _cart(("10.00", 1))
    order = place_order(cart=cart, customer=None, details=make_details(), idempotency_key=uuid4())
    promotion.refresh_from_db()
    assert promotion.used_count == 1
    assert PromotionUsage.objects.filter(promotion=promotion, order=order).exists()

    # A cart priced before the last use was taken: refused, not charged more than it was shown.
    late_cart, _ = _cart(("10.00", 1))
    Promotion.objects.filter(pk=promotion.pk).update(used_count=0)  # the snapshot says one is left
    list_rules()  # cached with one use left
    Promotion.objects.filter(pk=promotion.pk).update(used_count=1)
    with pytest.raises(PromotionUsedUp, match="First ten"):
        place_order(cart=late_cart, customer=None, details=make_details(), idempotency_key=uuid4())
    # The refusal forgot the stale rules: the next attempt is priced without the promotion.
    retried = place_order(cart=late_cart, customer=None, details=make_details(), idempotency_key=uuid4())
    assert retried.promotion_discount_amount == 0

    cancel_order_and_release(order=order, reason="changed my mind")
    promotion.refresh_from_db()
    assert promotion.used_count == 0
    assert not PromotionUsage.objects.exists()


def test_a_promotion_not_started_or_ended_or_switched_off_changes_nothing():
    now = timezone.now()
    PromotionFactory.create(starts_at=now + timedelta(days=1))
    PromotionFactory.create(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    PromotionFactory.create(is_active=False)
    cart, _ = _cart(("10.00", 1))

    order = place_order(cart=cart, customer=None, details=make_details(), idempotency_key=uuid4())

    assert order.discount_amount == 0
    assert order.applied_promotions == []


# --- The cart, the checkout page and the API show the same figures ----------------------------


def test_the_cart_page_strikes_the_line_total_and_explains_the_promotion(client):
    PromotionFactory.create(name="Summer sale", value=25)
    variant = VariantFactory.create(price_amount=Decimal("8.00"), stock_on_hand=10)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})

    html = client.get("/cart/").content.decode()

    assert '<s class="price--was"><span class="visually-hidden">Was </span>£16.00</s>' in html
    assert "£12.00" in html
    assert "Summer sale: \N{MINUS SIGN}£4.00" in html
    assert "Total after offers" in html


def test_the_storefront_and_the_api_give_the_same_totals(client):
    PromotionFactory.create(name="Summer sale", value=25)
    PromotionFactory.create(
        name="Spend 20 save 2", kind=Promotion.Kind.SPEND_THRESHOLD, reward=Promotion.Reward.FIXED,
        value=2, threshold_amount=Decimal("20.00"),
    )  # fmt: skip
    VoucherFactory.create(code="TEN", value=Decimal(10))
    method = ShippingMethodFactory.create(price_amount=Decimal("3.95"))
    variant = VariantFactory.create(price_amount=Decimal("9.99"), stock_on_hand=10)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 3})

    page = client.post("/checkout/totals/", _form(method, voucher_code="TEN")).content.decode()

    api = APIClient()
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=variant, quantity=3)
    api.credentials(HTTP_X_CART_TOKEN=str(cart.token))
    body = {"email": "a@example.com", "shipping_address": make_address(), "shipping_method_id": method.pk,
            "voucher_code": "TEN"}  # fmt: skip
    totals = api.post("/api/v1/checkout/preview/", body, format="json").json()

    # 3 x 9.99 = 29.97; 25% off per unit: 2.50 x 3 = 7.50; 22.47 is over 20: 2.00 off; TEN takes
    # 10% of the 20.47 left: 2.05; shipping 3.95.
    assert (totals["subtotal"], totals["promotion_discount"], totals["voucher_discount"]) == (
        "29.97",
        "9.50",
        "2.05",
    )
    assert totals["total"] == "22.37"
    assert [(p["name"], p["scope"], p["amount"]) for p in totals["promotions"]] == [
        ("Summer sale", "items", "7.50"), ("Spend 20 save 2", "order", "2.00"),
    ]  # fmt: skip
    for label, amount in (("Summer sale", "7.50"), ("Spend 20 save 2", "2.00"), ("Discount (TEN)", "2.05")):
        assert f'{label}</th><td class="num">\N{MINUS SIGN}£{amount}' in page
    assert "£22.37" in page


def test_the_cart_api_gives_each_lines_discount_and_the_promotions():
    PromotionFactory.create(name="Summer sale", value=25)
    cart, _ = _cart(("8.00", 2))
    api = APIClient()
    api.credentials(HTTP_X_CART_TOKEN=str(cart.token))

    body = api.get("/api/v1/cart/").json()

    line = body["lines"][0]
    assert (line["discount"]["amount"], line["discount_label"], line["total_after_discount"]["amount"]) == (
        "4.00", "Summer sale", "12.00",
    )  # fmt: skip
    assert body["total"]["amount"] == "12.00"
    assert body["promotions"] == [
        {"id": body["promotions"][0]["id"], "name": "Summer sale", "scope": "items", "amount": "4.00"}
    ]


def test_the_e_mail_and_the_invoice_explain_the_discounts(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    PromotionFactory.create(name="Summer sale", value=25)
    variant = VariantFactory.create(price_amount=Decimal("8.00"), stock_on_hand=10)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/checkout/", _form(ShippingMethodFactory.create()))

    order = Order.objects.get()
    assert "Summer sale: \N{MINUS SIGN}£4.00" in mailoutbox[0].body
    invoice = client.get(f"/checkout/orders/{order.number}/invoice/").content.decode()
    assert "Summer sale" in invoice
    pdf = client.get(f"/checkout/orders/{order.number}/invoice.pdf")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert "Summer sale" in text


def test_gift_cards_sold_as_products_are_never_discounted(client):
    from emporium.giftcards.models import GiftCardProduct

    PromotionFactory.create(name="Everything 20% off", value=20)
    card = make_product("Gift card £50", price="50.00")
    GiftCardProduct.objects.create(variant=card.variants.get())
    mug = make_product("Mug", price="10.00")
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=card.variants.get(), quantity=1)
    CartLineFactory.create(cart=cart, variant=mug.variants.get(), quantity=1)

    order = place_order(cart=cart, customer=None, details=make_details(), idempotency_key=uuid4())

    assert order.promotion_discount_amount == Decimal("2.00")  # the mug's 20%, not the card's
    assert client.get(card.get_absolute_url()).content.decode().count(SALE) == 0
    assert SALE in client.get(mug.get_absolute_url()).content.decode()
