"""The storefront's payment pages: who may pay, the test card form, the confirmation step,
manual methods and a provider that does not answer. No JavaScript needed."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from emporium.accounts.tests.factories import UserFactory
from emporium.orders.models import OrderStatus, StockState
from emporium.orders.services import cancel_order
from emporium.payments.models import PaymentState
from emporium.payments.services import confirm_payment, start_payment
from emporium.payments.tests.factories import PaymentFactory, make_unpaid_order

pytestmark = pytest.mark.django_db


def _guest_with(client: Client, order) -> Client:
    session = client.session
    session["placed_orders"] = [order.number]
    session.save()
    return client


def test_the_guest_who_placed_the_order_sees_its_payment_page(client):
    order = make_unpaid_order()

    response = _guest_with(client, order).get(f"/payments/orders/{order.number}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "4000 0000 0000 3220" in content
    assert "£24.95" in content


def test_somebody_else_gets_a_404(client):
    order = make_unpaid_order()

    assert client.get(f"/payments/orders/{order.number}/").status_code == 404
    assert (
        client.post(f"/payments/orders/{order.number}/card/", {"card_number": "4242424242424242"}).status_code
        == 404
    )


def test_another_customer_gets_a_404(client):
    order = make_unpaid_order(customer=UserFactory.create())
    client.force_login(UserFactory.create())

    assert client.get(f"/payments/orders/{order.number}/").status_code == 404


def test_the_customer_pays_with_the_success_card_and_sees_the_order_paid(client):
    order = make_unpaid_order(customer=UserFactory.create())
    client.force_login(order.customer)

    response = client.post(f"/payments/orders/{order.number}/card/", {"card_number": "4242 4242 4242 4242"})

    order.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, f"/checkout/orders/{order.number}/")
    assert order.status == OrderStatus.PAID


def test_a_declined_card_shows_the_reason_next_to_the_card_field(client):
    order = make_unpaid_order()

    response = _guest_with(client, order).post(
        f"/payments/orders/{order.number}/card/", {"card_number": "4000000000009995"}
    )

    assert response.status_code == 422
    assert "Your card has insufficient funds. Try another card." in response.content.decode()


def test_the_confirmation_card_leads_to_our_confirmation_page_and_approving_pays(client):
    order = make_unpaid_order()
    _guest_with(client, order)

    response = client.post(f"/payments/orders/{order.number}/card/", {"card_number": "4000000000003220"})
    payment = order.payments.get()
    assert response["Location"] == f"/payments/orders/{order.number}/{payment.pk}/confirm/"
    assert "Approve payment" in client.get(response["Location"]).content.decode()
    client.post(response["Location"], {"decision": "approve"})

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_failing_the_confirmation_step_sends_the_customer_back_to_choose_again(client):
    order = make_unpaid_order()
    _guest_with(client, order)
    client.post(f"/payments/orders/{order.number}/card/", {"card_number": "4000000000003220"})
    payment = order.payments.get()

    response = client.post(f"/payments/orders/{order.number}/{payment.pk}/confirm/", {"decision": "fail"})

    payment.refresh_from_db()
    assert (response["Location"], payment.state) == (f"/payments/orders/{order.number}/", PaymentState.FAILED)


def test_bank_transfer_shows_the_bank_details_and_the_order_reference(client, settings):
    settings.BANK_TRANSFER_IBAN = "GB00 TEST 0000 0000 0000 00"
    order = make_unpaid_order()
    _guest_with(client, order)

    response = client.post(f"/payments/orders/{order.number}/", {"gateway": "bank_transfer"}, follow=True)

    content = response.content.decode()
    assert "GB00 TEST 0000 0000 0000 00" in content
    assert f"<code>{order.number}</code>" in content


def test_cash_on_delivery_confirms_and_waits_for_staff(client):
    order = make_unpaid_order()
    _guest_with(client, order)

    response = client.post(f"/payments/orders/{order.number}/", {"gateway": "cash_on_delivery"}, follow=True)

    assert "ready for the courier" in response.content.decode()
    assert order.payments.get().state == PaymentState.PENDING


def test_an_unknown_method_is_refused(client):
    order = make_unpaid_order()

    response = _guest_with(client, order).post(f"/payments/orders/{order.number}/", {"gateway": "bitcoin"})

    assert response.status_code == 422


def test_the_forms_need_the_csrf_token():
    order = make_unpaid_order()
    client = _guest_with(Client(enforce_csrf_checks=True), order)

    response = client.post(f"/payments/orders/{order.number}/card/", {"card_number": "4242424242424242"})

    assert response.status_code == 403


def test_when_stripe_is_unreachable_the_customer_sees_a_clear_message_and_can_retry(
    client, settings, fake_stripe, closed_port_url
):
    settings.STRIPE_API_BASE = closed_port_url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    order = make_unpaid_order()
    _guest_with(client, order)

    response = client.post(f"/payments/orders/{order.number}/", {"gateway": "stripe"})

    order.refresh_from_db()
    assert response.status_code == 503
    assert "We could not reach the payment provider" in response.content.decode()
    assert (order.status, order.stock_state) == (OrderStatus.UNPAID, StockState.RESERVED)
    settings.STRIPE_API_BASE = fake_stripe.url
    retry = client.post(f"/payments/orders/{order.number}/", {"gateway": "stripe"})
    payment = order.payments.get()
    assert retry["Location"] == f"/payments/orders/{order.number}/{payment.pk}/"


def test_stripe_js_is_loaded_on_the_stripe_payment_page_only(client, fake_stripe):
    order = make_unpaid_order()
    _guest_with(client, order)
    client.post(f"/payments/orders/{order.number}/", {"gateway": "stripe"})
    payment = order.payments.get()

    stripe_page = client.get(f"/payments/orders/{order.number}/{payment.pk}/").content.decode()
    pay_page = client.get(f"/payments/orders/{order.number}/").content.decode()

    assert "js.stripe.com/v3" in stripe_page
    assert 'data-client-secret="pi_fake0001_secret_fake"' in stripe_page
    assert "js.stripe.com" not in pay_page


def test_the_order_status_page_offers_pay_now_while_unpaid(client):
    order = make_unpaid_order()

    response = _guest_with(client, order).get(f"/checkout/orders/{order.number}/")

    assert f'href="/payments/orders/{order.number}/">Pay now' in response.content.decode()


@pytest.mark.parametrize("gateway", ["bank_transfer", "cash_on_delivery", "offline"])
def test_the_stripe_return_page_is_404_for_other_payments_and_changes_nothing(client, gateway):
    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name=gateway)

    response = _guest_with(client, order).get(f"/payments/orders/{order.number}/{payment.pk}/return/")

    payment.refresh_from_db()
    order.refresh_from_db()
    assert response.status_code == 404
    assert (payment.state, order.status) == (PaymentState.PENDING, OrderStatus.UNPAID)


def test_confirming_a_payment_whose_order_was_cancelled_meanwhile_says_so(client):
    """The customer lingered on the confirmation step; the order expired or staff cancelled it."""
    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name="offline")
    payment = confirm_payment(payment=payment, details={"card_number": "4000000000003220"})
    cancel_order(order=order, reason="Not paid in time")

    response = _guest_with(client, order).post(
        f"/payments/orders/{order.number}/{payment.pk}/confirm/", {"decision": "approve"}, follow=True
    )

    payment.refresh_from_db()
    order.refresh_from_db()
    assert response.redirect_chain == [(f"/payments/orders/{order.number}/", 302)]
    assert f"Order {order.number} is cancelled: it cannot be paid." in response.content.decode()
    assert (payment.state, order.status) == (PaymentState.REQUIRES_ACTION, OrderStatus.CANCELLED)


def test_the_stripe_return_page_when_stripe_refuses_to_answer_tells_the_customer(client, fake_stripe):
    order = make_unpaid_order()
    payment = PaymentFactory.create(order=order, gateway="stripe", provider_reference="pi_not_at_stripe")

    response = _guest_with(client, order).get(
        f"/payments/orders/{order.number}/{payment.pk}/return/", follow=True
    )

    payment.refresh_from_db()
    assert response.redirect_chain == [(f"/checkout/orders/{order.number}/", 302)]
    assert "We could not confirm your payment yet" in response.content.decode()
    assert payment.state == PaymentState.PENDING


def test_the_stripe_pages_inline_script_carries_this_responses_nonce(client, fake_stripe):
    order = make_unpaid_order()
    _guest_with(client, order)
    client.post(f"/payments/orders/{order.number}/", {"gateway": "stripe"})
    payment = order.payments.get()

    response = client.get(f"/payments/orders/{order.number}/{payment.pk}/")

    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    assert f'<script nonce="{nonce[1]}">' in response.content.decode()
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "https://js.stripe.com" in policy
