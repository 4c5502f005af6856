"""Stored-XSS payloads come out escaped in every HTML e-mail the shop sends, and as typed in the
text part (issue 15). Product names, customer names and addresses are typed by staff and
customers; an e-mail client renders the HTML part, so a raw ``<script>`` or ``onerror=`` there
is as bad as on a page, and an escaped ``&lt;`` in the text part is a broken e-mail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives

from emporium.accounts.tests.factories import UserFactory
from emporium.alerts.models import AlertStatus, StockAlert
from emporium.alerts.services import send_alert_confirmation, send_back_in_stock_alerts
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import send_order_confirmation
from emporium.core.tests.test_stored_xss import ADDRESS, NAME, PAYLOADS
from emporium.orders.models import Order
from emporium.orders.services import (
    send_cancellation_notification,
    send_refund_notification,
    send_shipping_notification,
)
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.payments.services import send_payment_confirmation
from emporium.payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db

ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
HTML_ENTITIES = ("&lt;", "&gt;", "&quot;", "&#x27;", "&amp;")


def _order(*, customer: bool) -> Order:
    variant = VariantFactory.create(product__name=NAME)
    order = OrderFactory.create(
        customer=UserFactory.create(full_name=f"Ann {PAYLOADS[0]}") if customer else None,
        shipping_address=ADDRESS,
        billing_address={**ADDRESS, "full_name": f"Bill {PAYLOADS[0]}"},
        shipping_method_name=f"Courier {PAYLOADS[1]}",
        tracking_number=f"TRK{PAYLOADS[1]}",
        total_amount=Decimal("4.95"),
        currency="GBP",
    )
    OrderLineFactory.create(order=order, variant=variant, product_name=NAME, sku=f"SKU{PAYLOADS[1]}")
    return order


def _assert_html_part_escaped(message: EmailMultiAlternatives, *, shows: tuple[str, ...]) -> None:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    assert isinstance(html, str)
    for payload in PAYLOADS:
        assert payload not in html, f"{message.subject}: {payload} unescaped in the HTML part"
    for escaped in shows:  # the stored text is there, escaped: the test cannot pass on an e-mail without it
        assert escaped in html, f"{message.subject}: {escaped} missing"


def _assert_text_part_as_typed(message: EmailMessage, *, shows: tuple[str, ...]) -> None:
    for text in shows:
        assert text in message.body, f"{message.subject}: {text} not as typed in the text part"
    for entity in HTML_ENTITIES:
        assert entity not in message.body, f"{message.subject}: HTML escaping in the text part"


SENDERS = {
    "confirmation": lambda order: send_order_confirmation(order=order),
    "shipped": lambda order: send_shipping_notification(order=order),
    "cancelled": lambda order: send_cancellation_notification(order=order),
    "refunded": lambda order: send_refund_notification(order=order, refund_event_id=1, amount=Decimal("1")),
    "payment": lambda order: send_payment_confirmation(
        payment=PaymentFactory.create(order=order, state="captured")
    ),
}
# What each e-mail shows of the order: all show the lines; most the addresses; the shipping
# e-mail the courier and tracking number too.
SHOWS_ADDRESSES = {"confirmation", "shipped", "payment"}


@pytest.mark.parametrize("customer", [True, False], ids=["customer", "guest"])
@pytest.mark.parametrize("kind", list(SENDERS))
def test_order_emails_escape_stored_payloads_in_html_and_keep_text_as_typed(kind, customer):
    order = _order(customer=customer)

    SENDERS[kind](order)

    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    shows_html, shows_text = [ESCAPED[0]], [NAME]  # the product name
    if kind in SHOWS_ADDRESSES:
        shows_html.append(ESCAPED[1])  # the recipient's name in the address
        shows_text.append(ADDRESS["full_name"])
    if kind == "shipped":
        shows_text.append(f"TRK{PAYLOADS[1]}")
    _assert_html_part_escaped(message, shows=tuple(shows_html))
    _assert_text_part_as_typed(message, shows=tuple(shows_text))
    if not customer:
        assert "/checkout/orders/" in message.body  # the guest's signed link, intact


def test_back_in_stock_and_alert_confirmation_emails_are_text_with_the_name_as_typed():
    variant = VariantFactory.create(product__name=NAME, stock_on_hand=3)
    StockAlert.objects.create(variant=variant, email="ann@example.com", status=AlertStatus.ACTIVE)
    waiting = StockAlert.objects.create(variant=variant, email="bob@example.com")

    send_back_in_stock_alerts(variant_id=variant.pk)
    send_alert_confirmation(alert_id=waiting.pk)

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        # Plain text only: nothing an e-mail client would render as HTML.
        assert getattr(message, "alternatives", []) == []
        assert message.content_subtype == "plain"
        _assert_text_part_as_typed(message, shows=(NAME,))


def test_account_emails_are_text_only(client, django_capture_on_commit_callbacks):
    UserFactory.create(email="ann@example.com", full_name=f"Ann {PAYLOADS[0]}")

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "ann@example.com"})
        client.post(
            "/accounts/signup/",
            {
                "email": "bob@example.com",
                "password1": "a-sturdy-passphrase-42",
                "password2": "a-sturdy-passphrase-42",
                "full_name": PAYLOADS[1],
            },
        )

    assert sorted(address for message in mail.outbox for address in message.to) == [
        "ann@example.com",
        "bob@example.com",
    ]
    for message in mail.outbox:
        assert getattr(message, "alternatives", []) == [], message.subject
        assert message.content_subtype == "plain"
        for entity in HTML_ENTITIES:
            assert entity not in message.body


def test_a_product_name_with_a_line_break_does_not_stop_its_alert_emails():
    """A name typed through the staff API can hold a newline; in a subject that is a header
    injection Django refuses (BadHeaderError), which would fail the alert task on every retry."""
    variant = VariantFactory.create(product__name="Lamp\r\nBcc: everyone@example.com", stock_on_hand=3)
    StockAlert.objects.create(variant=variant, email="ann@example.com", status=AlertStatus.ACTIVE)
    waiting = StockAlert.objects.create(variant=variant, email="bob@example.com")

    sent = send_back_in_stock_alerts(variant_id=variant.pk)
    send_alert_confirmation(alert_id=waiting.pk)

    assert sent == 1
    assert [message.subject for message in mail.outbox] == [
        "Back in stock: Lamp Bcc: everyone@example.com",
        "Confirm your alert for Lamp Bcc: everyone@example.com",
    ]
    assert all(message.recipients() == [message.to[0]] for message in mail.outbox)
