from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.test import Client

from emporium.accounts.tests.factories import AddressFactory, UserFactory
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.tests.factories import ShippingMethodFactory, VoucherFactory
from emporium.orders.models import Order, OrderStatus
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _form(method, **overrides):
    data = {
        "email": "guest@example.com", "shipping_full_name": "Gus Guest", "shipping_line1": "2 Park Row",
        "shipping_city": "Leeds", "shipping_postcode": "LS1 5HD", "shipping_country": "GB", "billing_same": "on",
        "shipping_method": method.pk, "voucher_code": "", "idempotency_key": "0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11",
    }  # fmt: skip
    return {**data, **overrides}


def test_a_guest_checks_out_and_lands_on_the_payment_page_for_the_order(client):
    variant = VariantFactory.create(stock_on_hand=3)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    response = client.post("/checkout/", _form(ShippingMethodFactory.create()))

    order = Order.objects.get()
    assert response["Location"] == f"/payments/orders/{order.number}/"
    assert order.number in client.get(response["Location"]).content.decode()


def test_a_double_submit_makes_one_order(client):
    variant = VariantFactory.create(stock_on_hand=3)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    form = _form(ShippingMethodFactory.create())
    first = client.post("/checkout/", form)
    # The second click's request read the cart before the first one emptied it: it still
    # holds the line when it reaches place_order, which alone must see it is the same attempt.
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    second = client.post("/checkout/", form)

    order = Order.objects.get()
    assert first["Location"] == second["Location"] == f"/payments/orders/{order.number}/"
    assert order.lines.get().quantity == 1


def test_a_retry_after_the_order_was_placed_lands_on_that_orders_payment_page(client):
    variant = VariantFactory.create(stock_on_hand=3)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    form = _form(ShippingMethodFactory.create())
    client.post("/checkout/", form)  # committed, but the answer never reached the browser

    retry = client.post("/checkout/", form)  # the cart is empty now

    order = Order.objects.get()
    assert retry.status_code == 302
    assert retry["Location"] == f"/payments/orders/{order.number}/"


def test_another_visitor_sending_a_used_key_is_refused_and_sees_nothing_of_that_order(client):
    method = ShippingMethodFactory.create()
    variant = VariantFactory.create(stock_on_hand=3)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    client.post("/checkout/", _form(method))
    theirs = Order.objects.get()
    other = Client()
    other.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    response = other.post("/checkout/", _form(method))  # the same idempotency key

    html = response.content.decode()
    assert response.status_code == 422
    assert "This checkout was already used to place a different order" in html
    assert theirs.number not in html
    assert "0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11" not in html  # a new key, so the next try works
    assert other.get(f"/payments/orders/{theirs.number}/").status_code == 404
    assert Order.objects.count() == 1


def test_a_product_unpublished_since_it_was_put_in_the_cart_is_refused_by_name(client):
    variant = VariantFactory.create(stock_on_hand=3, product__name="Enamel teapot")
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    variant.product.is_published = False
    variant.product.save()

    response = client.post("/checkout/", _form(ShippingMethodFactory.create()))

    assert response.status_code == 422
    assert "Enamel teapot" in response.content.decode()
    assert "no longer for sale" in response.content.decode()
    assert not Order.objects.exists()


def test_an_item_sold_out_since_it_was_put_in_the_cart_is_named_in_the_error(client):
    variant = VariantFactory.create(stock_on_hand=3, product__name="Enamel teapot")
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})
    variant.stock_allocated = 2
    variant.save()

    response = client.post("/checkout/", _form(ShippingMethodFactory.create()))

    assert response.status_code == 422
    assert "Enamel teapot" in response.content.decode()
    assert "only 1 left in stock; you asked for 2" in response.content.decode()


def test_only_shipping_methods_in_the_carts_currency_are_offered(client):
    variant = VariantFactory.create()
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    ShippingMethodFactory.create(name="Royal Mail", currency="GBP")
    ShippingMethodFactory.create(name="La Poste", currency="EUR")

    html = client.get("/checkout/").content.decode()

    assert "Royal Mail" in html
    assert "La Poste" not in html


def test_a_missing_address_answers_422_with_the_error_next_to_the_field(client):
    variant = VariantFactory.create()
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    response = client.post("/checkout/", _form(ShippingMethodFactory.create(), shipping_line1=""))

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_a_customer_ships_to_an_address_from_the_address_book(client):
    customer = UserFactory.create()
    address = AddressFactory.create(customer=customer, city="Bath")
    cart = CartFactory.create(customer=customer, token=None)
    CartLineFactory.create(cart=cart)
    client.force_login(customer)

    client.post(
        "/checkout/", _form(ShippingMethodFactory.create(), saved_address=address.pk, shipping_line1="")
    )

    order = Order.objects.get()
    assert (order.customer, (order.shipping_address or {})["city"]) == (customer, "Bath")


def test_nobody_else_sees_a_guest_order(client):
    variant = VariantFactory.create()
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    client.post("/checkout/", _form(ShippingMethodFactory.create()))
    order = Order.objects.get()
    client.cookies.clear()

    assert client.get(f"/checkout/orders/{order.number}/").status_code == 404


def test_an_order_a_voucher_pays_for_in_full_goes_to_its_page_not_to_payment(client):
    variant = VariantFactory.create()
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    VoucherFactory.create(code="GIFT", value=Decimal(100))
    free_delivery = ShippingMethodFactory.create(price_amount=Decimal("0.00"))

    response = client.post("/checkout/", {**_form(free_delivery), "voucher_code": "GIFT"})

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert response.url == f"/checkout/orders/{order.number}/"
    assert "Pay now" not in client.get(response.url).content.decode()


def test_the_order_page_says_until_when_an_unpaid_order_holds_its_items(client):
    customer = UserFactory.create()
    order = OrderFactory.create(
        customer=customer, status=OrderStatus.UNPAID, reserved_until="2026-12-03T15:30:00Z"
    )
    client.force_login(customer)

    html = client.get(f"/checkout/orders/{order.number}/").content.decode()

    assert "We hold your items until 3 Dec, 15:30" in html
    assert "Pay now" in html


def test_the_order_page_of_a_cash_on_delivery_order_asks_for_no_payment_now(client):
    customer = UserFactory.create()
    order = OrderFactory.create(
        customer=customer, status=OrderStatus.UNPAID, pays_on_delivery=True, reserved_until=None
    )
    client.force_login(customer)

    html = client.get(f"/checkout/orders/{order.number}/").content.decode()

    assert "You pay in cash when your parcel arrives" in html
    assert "until ." not in html
    assert "Pay now" not in html


def test_the_summary_updates_for_what_the_form_holds_so_far(client):
    variant = VariantFactory.create(price_amount="20.00")
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    method = ShippingMethodFactory.create(price_amount="4.95")

    # Only a country and a shipping method chosen: enough to price the order.
    response = client.post("/checkout/totals/", {"shipping_country": "GB", "shipping_method": method.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="checkout-summary"' in html
    assert "£24.95" in html


def test_the_summary_says_why_a_voucher_does_not_apply(client):
    variant = VariantFactory.create()
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    method = ShippingMethodFactory.create()

    response = client.post(
        "/checkout/totals/", {"shipping_country": "GB", "shipping_method": method.pk, "voucher_code": "NOPE"}
    )

    assert 'role="alert"' in response.content.decode()


def test_update_totals_without_javascript_prices_a_half_filled_form(client):
    variant = VariantFactory.create(price_amount="20.00")
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    method = ShippingMethodFactory.create(price_amount="4.95")

    response = client.post("/checkout/", _form(method, shipping_line1="", preview="1"))

    assert "£24.95" in response.content.decode()
    assert Order.objects.count() == 0


def test_a_customer_keeps_a_new_address_in_the_address_book_once(client):
    customer = UserFactory.create()
    client.force_login(customer)
    method = ShippingMethodFactory.create()
    for key in ("0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11", "7d0c2f55-8a0e-4a53-b1a6-44e7fd0f5d21"):
        cart = CartFactory.create(customer=customer, token=None)
        CartLineFactory.create(cart=cart)
        client.post("/checkout/", _form(method, save_address="on", idempotency_key=key))
        cart.delete()

    assert Order.objects.filter(customer=customer).count() == 2
    assert list(customer.addresses.values_list("city", "is_default_shipping")) == [("Leeds", True)]


def test_an_address_the_book_would_refuse_is_pointed_out_before_the_order_is_placed(client):
    customer = UserFactory.create()
    client.force_login(customer)
    cart = CartFactory.create(customer=customer, token=None)
    CartLineFactory.create(cart=cart)

    response = client.post(
        "/checkout/", _form(ShippingMethodFactory.create(), save_address="on", shipping_phone="call me")
    )

    assert response.status_code == 422
    assert Order.objects.count() == 0
    assert "call me" in response.content.decode()  # what they typed is kept


class _ConnectionLostAfterTheOrderRow:
    """Django's execute wrapper hook: the database connection breaks right after the order's
    row was written, so the shopper cannot know whether the order committed."""

    def __init__(self) -> None:
        self.order_written = False

    def __call__(self, execute, sql, params, many, context):
        if self.order_written:
            raise OperationalError("server closed the connection unexpectedly")
        result = execute(sql, params, many, context)
        self.order_written = "orders_order" in sql and sql.lstrip().upper().startswith("INSERT")
        return result


def test_a_connection_lost_while_placing_the_order_offers_to_check_with_the_same_key(client):
    variant = VariantFactory.create(stock_on_hand=3)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    form = _form(ShippingMethodFactory.create())

    with connection.execute_wrapper(_ConnectionLostAfterTheOrderRow()):
        response = client.post("/checkout/", form)

    html = response.content.decode()
    assert response.status_code == 503
    assert "may have been placed" in html
    assert f'name="idempotency_key" value="{form["idempotency_key"]}"' in html
    assert 'action="/checkout/"' in html


@pytest.mark.django_db(transaction=True)  # place_order's own transaction, rolled back whole
def test_checking_again_with_the_same_key_lands_on_the_one_order(client):
    variant = VariantFactory.create(stock_on_hand=3)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    form = _form(ShippingMethodFactory.create())
    with connection.execute_wrapper(_ConnectionLostAfterTheOrderRow()):
        client.post("/checkout/", form)

    checked = client.post("/checkout/", form)  # the page's button sends the same fields

    order = Order.objects.get()
    assert checked["Location"] == f"/payments/orders/{order.number}/"
