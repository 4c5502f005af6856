"""Every page, e-mail and invoice about an order shows the same rows, in the shop's one money
format: lines, subtotal, discount, shipping, total, the VAT it includes, and the addresses."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from io import BytesIO

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from pypdf import PdfReader

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import send_order_confirmation
from emporium.checkout.tests.factories import TaxRateFactory
from emporium.orders.invoices import render_invoice_pdf
from emporium.orders.models import Order
from emporium.orders.services import mark_order_shipped
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.payments.services import send_payment_confirmation
from emporium.payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of one of the shop's e-mails."""
    assert isinstance(message, EmailMultiAlternatives)
    html = message.alternatives[0][0]
    assert isinstance(html, str)
    return str(message.body), html


ROWS = [
    "Subtotal £25.50",
    "Discount (WELCOME10) \N{MINUS SIGN}£2.55",
    "Shipping (Next day) £4.95",
    "Total £27.90",
    "Includes VAT at 20% £4.65",
]
SHIPPING = {"full_name": "Ann Shopper", "line1": "1 High Street", "city": "Bristol", "postcode": "BS1 4DJ"}
BILLING = {"full_name": "Ann Payer", "line1": "9 Low Road", "city": "Bath", "postcode": "BA1 1AA"}


def _order(**fields: object) -> Order:
    figures: dict[str, object] = {
        "currency": "GBP",
        "subtotal_amount": Decimal("25.50"),
        "shipping_amount": Decimal("4.95"),
        "shipping_method_name": "Next day",
        "discount_amount": Decimal("2.55"),
        "voucher_code": "WELCOME10",
        "total_amount": Decimal("27.90"),
        "tax_amount": Decimal("4.65"),
        "tax_rate": Decimal("0.2000"),
        "shipping_address": SHIPPING,
        "billing_address": BILLING,
    }
    order = OrderFactory.create(**{**figures, **fields})
    # Checkout names a variant with no name of its own "Product (SKU)".
    OrderLineFactory.create(
        order=order, variant=None, product_name="Mug (MUG-1)", sku="MUG-1", quantity=2,
        unit_price_amount=Decimal("1.79"), total_amount=Decimal("3.58"),
    )  # fmt: skip
    OrderLineFactory.create(
        order=order, variant=None, product_name="Cake stand, Large", sku="CAKE-L", quantity=1,
        unit_price_amount=Decimal("21.92"), total_amount=Decimal("21.92"),
    )  # fmt: skip
    return order


def _visible_text(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _plain(text: str) -> str:
    """Text e-mails and the PDF write "Label: £1.00" or put the two in cells: one spacing."""
    return " ".join(text.replace(":", " ").split())


def _pdf_text(pdf: bytes) -> str:
    return _plain("\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages))


def _assert_shows_the_order(text: str) -> None:
    positions = [text.find(row) for row in ROWS]
    assert -1 not in positions, [row for row in ROWS if row not in text]
    assert positions == sorted(positions)  # the same order everywhere
    assert "Mug" in text
    assert "Cake stand, Large" in text
    assert "£1.79" in text
    assert "£3.58" in text
    assert "£21.92" in text
    assert text.count("MUG-1") == 1  # the product code once, not in the name as well
    assert "GBP" not in text  # one money format: never "1.79 GBP"
    assert "1 High Street" in text
    assert "9 Low Road" in text


@pytest.fixture
def customer_order(client):
    customer = UserFactory.create()
    client.force_login(customer)
    return _order(customer=customer)


def test_the_account_order_page_shows_every_row(client, customer_order):
    html = client.get(f"/account/orders/{customer_order.number}/").content.decode()

    _assert_shows_the_order(_visible_text(html))


def test_the_order_status_page_shows_every_row(client, customer_order):
    html = client.get(f"/checkout/orders/{customer_order.number}/").content.decode()

    _assert_shows_the_order(_visible_text(html))


def test_the_html_invoice_shows_every_row(client, customer_order):
    html = client.get(f"/account/orders/{customer_order.number}/invoice/").content.decode()

    _assert_shows_the_order(_visible_text(html))


def test_the_pdf_invoice_shows_every_row(customer_order):
    _assert_shows_the_order(_pdf_text(render_invoice_pdf(order=customer_order)))


def test_the_confirmation_email_shows_every_row_in_html_and_text(customer_order):
    send_order_confirmation(order=customer_order)

    message = mail.outbox[0]
    _assert_shows_the_order(_plain(_bodies(message)[0]))
    _assert_shows_the_order(_visible_text(_bodies(message)[1]))


def test_the_shipping_email_shows_every_row_in_html_and_text(
    customer_order, django_capture_on_commit_callbacks
):
    customer_order.stock_state = "reserved"
    customer_order.save()
    with django_capture_on_commit_callbacks(execute=True):
        mark_order_shipped(order=customer_order, tracking_number="RM123")

    message = mail.outbox[0]
    _assert_shows_the_order(_plain(_bodies(message)[0]))
    _assert_shows_the_order(_visible_text(_bodies(message)[1]))


def test_the_payment_confirmation_email_shows_every_row_in_html_and_text(customer_order):
    send_payment_confirmation(payment=PaymentFactory.create(order=customer_order, state="captured"))

    text, html = _bodies(mail.outbox[0])
    _assert_shows_the_order(_plain(text))
    _assert_shows_the_order(_visible_text(html))


def test_an_order_without_vat_never_claims_any(client):
    customer = UserFactory.create()
    client.force_login(customer)
    order = _order(customer=customer, tax_amount=Decimal(0), tax_rate=Decimal(0))
    send_order_confirmation(order=order)

    pages = [
        _visible_text(client.get(f"/account/orders/{order.number}/").content.decode()),
        _visible_text(client.get(f"/checkout/orders/{order.number}/").content.decode()),
        _visible_text(client.get(f"/account/orders/{order.number}/invoice/").content.decode()),
        _pdf_text(render_invoice_pdf(order=order)),
        _plain(_bodies(mail.outbox[0])[0]),
        _visible_text(_bodies(mail.outbox[0])[1]),
    ]

    assert all("Total £27.90" in page for page in pages)
    assert not [page for page in pages if "VAT" in page]


def test_an_imported_order_with_only_a_total_shows_no_rows_that_would_not_add_up(client):
    customer = UserFactory.create()
    client.force_login(customer)
    order = OrderFactory.create(customer=customer, currency="GBP", total_amount=Decimal("9.90"))
    OrderLineFactory.create(order=order, variant=None, quantity=2, unit_price_amount=Decimal("4.95"))

    text = _visible_text(client.get(f"/account/orders/{order.number}/").content.decode())

    assert "Total £9.90" in text
    assert "Subtotal" not in text
    assert "Shipping" not in text


def test_a_refund_shows_under_the_total(client):
    customer = UserFactory.create()
    client.force_login(customer)
    order = _order(customer=customer, refunded_amount=Decimal("3.58"))

    text = _visible_text(client.get(f"/account/orders/{order.number}/").content.decode())

    assert "Total £27.90 Includes VAT at 20% £4.65 Refunded £3.58" in text


@pytest.mark.parametrize(("has_vat", "says_it"), [(True, True), (False, False)])
def test_the_cart_says_prices_include_vat_only_when_the_shop_charges_vat(client, has_vat, says_it):
    if has_vat:
        TaxRateFactory.create(country="GB", rate=Decimal("0.2"))
    variant = VariantFactory.create(stock_on_hand=3)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    html = client.get("/cart/").content.decode()

    assert ("Prices include VAT" in html) is says_it


def test_a_tax_rate_added_later_is_said_at_once(client):
    variant = VariantFactory.create(stock_on_hand=3)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    assert "Prices include VAT" not in client.get("/cart/").content.decode()  # cached: no VAT

    TaxRateFactory.create(country="GB", rate=Decimal("0.2"))

    assert "Prices include VAT" in client.get("/cart/").content.decode()


@pytest.mark.parametrize("lines", [1, 12])
def test_the_order_pages_run_a_fixed_number_of_queries_whatever_the_lines(
    client, django_assert_max_num_queries, lines
):
    customer = UserFactory.create()
    client.force_login(customer)
    order = _order(customer=customer)
    OrderLineFactory.create_batch(lines, order=order, variant=None)
    for url in (f"/account/orders/{order.number}/", f"/checkout/orders/{order.number}/"):
        client.get(url)  # warms the storefront's cached header navigation

        # (session,) user, the order, its lines: the lines know their order, so no query each
        with django_assert_max_num_queries(4):
            client.get(url)
