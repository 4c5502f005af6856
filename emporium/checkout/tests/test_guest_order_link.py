"""Guests find their order again: a signed, expiring link on the confirmation page and in the
e-mail opens it in any browser, and a form finds it by number and e-mail address."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.test import Client
from django.urls import reverse

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import send_order_confirmation
from emporium.checkout.tests.factories import ShippingMethodFactory
from emporium.orders.links import make_guest_order_token
from emporium.orders.models import Order, OrderStatus
from emporium.orders.selectors import GUEST_ORDER_TOKEN_SALT, look_up_order
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of one of the shop's e-mails."""
    assert isinstance(message, EmailMultiAlternatives)
    html = message.alternatives[0][0]
    assert isinstance(html, str)
    return str(message.body), html


LINK = re.compile(r"https?://[^\s\"<]+/checkout/orders/[^\s\"<]+\?token=[^\s\"<]+")
EXPIRED_PAGE = "This link no longer opens an order"


def _guest_order(**fields: object) -> Order:
    order = OrderFactory.create(
        customer=None, email="gus@example.com", total_amount=Decimal("9.90"), **fields
    )
    OrderLineFactory.create(order=order, variant=None, product_name="Teapot", sku="POT-1")
    return order


def _path(link: str) -> str:
    parts = urlsplit(link.replace("&amp;", "&"))
    return f"{parts.path}?{parts.query}"


class _SignedLongAgo(signing.TimestampSigner):
    """Signs as if GUEST_ORDER_TOKEN_DAYS plus a day had passed since, without touching the clock."""

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 31 * 24 * 3600)


def test_the_confirmation_page_gives_a_link_that_opens_the_order_in_a_fresh_browser(client):
    client.post("/cart/add/", {"variant": VariantFactory.create(stock_on_hand=3).pk, "quantity": 1})
    client.post(
        "/checkout/",
        {
            "email": "gus@example.com", "shipping_full_name": "Gus Guest", "shipping_line1": "2 Park Row",
            "shipping_city": "Leeds", "shipping_postcode": "LS1 5HD", "shipping_country": "GB",
            "billing_same": "on", "shipping_method": ShippingMethodFactory.create().pk,
            "idempotency_key": "0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11",
        },
    )  # fmt: skip
    order = Order.objects.get()
    page = client.get(f"/checkout/orders/{order.number}/").content.decode()
    link = LINK.search(page)
    assert link is not None

    fresh = Client().get(_path(link.group()))  # another browser: no session, no login

    assert fresh.status_code == 200
    assert f"order {order.number}" in fresh.content.decode()
    assert re.search(r'<a href="[^"]*\?token=[^"]*">Your order: bookmark', page)  # a link to click


def test_the_confirmation_email_carries_a_link_that_opens_the_order_with_no_session(settings):
    settings.SITE_URL = "https://shop.example"
    order = _guest_order()

    send_order_confirmation(order=order)

    text_link = LINK.search(_bodies(mail.outbox[0])[0])
    html_link = LINK.search(_bodies(mail.outbox[0])[1])
    assert text_link is not None
    assert html_link is not None
    assert text_link.group().startswith(f"https://shop.example/checkout/orders/{order.number}/?token=")
    response = Client().get(_path(text_link.group()))
    assert response.status_code == 200
    assert "Teapot" in response.content.decode()


def test_a_customers_email_links_to_their_account_not_a_token():
    order = OrderFactory.create(customer=UserFactory.create())

    send_order_confirmation(order=order)

    assert f"/account/orders/{order.number}/" in mail.outbox[0].body
    assert "token=" not in mail.outbox[0].body


def test_the_link_lets_the_browser_go_on_to_pay():
    order = _guest_order(status=OrderStatus.UNPAID)
    browser = Client()
    browser.get(f"/checkout/orders/{order.number}/?token={make_guest_order_token(order=order)}")

    assert browser.get(f"/payments/orders/{order.number}/").status_code == 200


def test_an_expired_link_is_refused_with_a_way_to_look_the_order_up(settings):
    settings.GUEST_ORDER_TOKEN_DAYS = 30
    order = _guest_order()
    expired = _SignedLongAgo(salt=GUEST_ORDER_TOKEN_SALT).sign_object(order.number)

    response = Client().get(f"/checkout/orders/{order.number}/?token={expired}")

    html = response.content.decode()
    assert response.status_code == 404
    assert EXPIRED_PAGE in html
    assert "/checkout/orders/find/" in html
    assert "Teapot" not in html
    assert "£9.90" not in html


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature altered
        lambda token: signing.dumps("EM-OTHER", salt=GUEST_ORDER_TOKEN_SALT),  # another order's
        lambda token: signing.dumps(token, salt="another-salt"),  # signed for something else
        lambda token: "not-a-token",
    ],
    ids=["altered", "another-order", "other-salt", "garbage"],
)
def test_a_tampered_link_is_refused_and_shows_nothing_of_the_order(tamper):
    order = _guest_order()
    token = tamper(make_guest_order_token(order=order))

    response = Client().get(f"/checkout/orders/{order.number}/?token={token}")

    assert response.status_code == 404
    assert "Teapot" not in response.content.decode()


def test_a_token_never_opens_a_customers_order():
    order = OrderFactory.create(customer=UserFactory.create())

    response = Client().get(f"/checkout/orders/{order.number}/?token={make_guest_order_token(order=order)}")

    assert response.status_code == 404


def test_without_a_token_a_stranger_still_gets_a_plain_404():
    order = _guest_order()

    response = Client().get(f"/checkout/orders/{order.number}/")

    assert response.status_code == 404
    assert EXPIRED_PAGE not in response.content.decode()


# --- Looking an order up by number and e-mail ------------------------------------------------


def test_the_lookup_form_opens_a_guest_order_by_number_and_email():
    order = _guest_order()
    browser = Client()

    response = browser.post(
        "/checkout/orders/find/", {"number": order.number.lower(), "email": "GUS@example.com"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/checkout/orders/{order.number}/"
    assert "Teapot" in browser.get(response["Location"]).content.decode()


def test_a_wrong_email_and_an_unknown_number_get_the_same_answer():
    order = _guest_order()

    wrong_email = Client().post(
        "/checkout/orders/find/", {"number": order.number, "email": "eve@example.com"}
    )
    unknown = Client().post("/checkout/orders/find/", {"number": "EM-0000-0000", "email": "gus@example.com"})

    assert wrong_email.status_code == unknown.status_code == 422
    assert wrong_email.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert "Teapot" not in wrong_email.content.decode()


def test_a_customers_order_found_by_lookup_asks_them_to_sign_in():
    order = OrderFactory.create(customer=UserFactory.create(), email="cat@example.com")

    response = Client().post("/checkout/orders/find/", {"number": order.number, "email": "cat@example.com"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert f"/account/orders/{order.number}/" in response["Location"].replace("%2F", "/")


def test_guessing_addresses_for_one_order_is_rate_limited():
    order = _guest_order()
    browser = Client()
    for attempt in range(5):
        browser.post(
            "/checkout/orders/find/", {"number": order.number, "email": f"guess{attempt}@example.com"}
        )

    right_too_late = browser.post(
        "/checkout/orders/find/", {"number": order.number, "email": "gus@example.com"}
    )

    assert right_too_late.status_code == 429
    assert "Too many tries" in right_too_late.content.decode()


def test_the_lookup_form_marks_both_fields_required(client):
    html = client.get("/checkout/orders/find/").content.decode()

    assert html.count('aria-required="true"') == 2
    assert "(optional)" not in html


def test_a_guest_who_opened_the_link_gets_the_invoice_and_a_stranger_does_not():
    order = _guest_order()
    guest, stranger = Client(), Client()
    guest.get(f"/checkout/orders/{order.number}/?token={make_guest_order_token(order=order)}")

    html = guest.get(f"/checkout/orders/{order.number}/invoice/")
    pdf = guest.get(f"/checkout/orders/{order.number}/invoice.pdf")

    assert f"Invoice {order.number}" in html.content.decode()
    assert pdf.content.startswith(b"%PDF-")
    assert stranger.get(f"/checkout/orders/{order.number}/invoice/").status_code == 404
    assert stranger.get(f"/checkout/orders/{order.number}/invoice.pdf").status_code == 404


def test_the_login_page_points_guests_to_the_lookup(client):
    assert "/checkout/orders/find/" in client.get(reverse("account_login")).content.decode()


def test_a_known_and_an_unknown_number_cost_the_same_queries(django_assert_num_queries):
    order = _guest_order()
    with django_assert_num_queries(1):
        look_up_order(number=order.number, email="eve@example.com")
    with django_assert_num_queries(1):
        look_up_order(number="EM-0000-0000", email="eve@example.com")
    with django_assert_num_queries(1):
        assert look_up_order(number=order.number, email="gus@example.com").order == order
