from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from emporium.accounts.tests.factories import UserFactory
from emporium.orders.models import OrderStatus
from emporium.orders.services import make_guest_order_token
from emporium.payments.models import PaymentState
from emporium.payments.services import start_payment
from emporium.payments.tests.factories import PaymentFactory, make_unpaid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return UserFactory.create()


@pytest.fixture
def api(customer) -> APIClient:
    client = APIClient()
    client.force_authenticate(customer)
    return client


def test_a_customer_starts_paying_their_order(api, customer):
    order = make_unpaid_order(customer=customer)

    response = api.post("/api/v1/payments/", {"order_number": order.number, "gateway": "offline"})

    body = response.json()
    assert response.status_code == 201
    assert (body["state"], body["amount"], body["next_action"]["type"]) == (
        "pending",
        {"amount": "24.95", "currency": "GBP"},
        "confirm_with_card",
    )


def test_an_amount_in_the_request_is_ignored(api, customer):
    order = make_unpaid_order(customer=customer)

    response = api.post(
        "/api/v1/payments/", {"order_number": order.number, "gateway": "offline", "amount": "0.01"}
    )

    assert response.json()["amount"]["amount"] == "24.95"


def test_another_customers_order_is_404(api):
    order = make_unpaid_order(customer=UserFactory.create())

    response = api.post("/api/v1/payments/", {"order_number": order.number, "gateway": "offline"})

    assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")


def _guest_with_token_of(order) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_ORDER_TOKEN=make_guest_order_token(order=order))
    return client


def test_a_guest_without_an_order_token_cannot_pay_through_the_api():
    order = make_unpaid_order(customer=None)

    response = APIClient().post("/api/v1/payments/", {"order_number": order.number, "gateway": "offline"})

    assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")


def test_a_guest_pays_its_order_with_its_order_token():
    order = make_unpaid_order(customer=None)
    guest = _guest_with_token_of(order)

    started = guest.post("/api/v1/payments/", {"order_number": order.number, "gateway": "offline"}).json()
    guest.post(f"/api/v1/payments/{started['id']}/confirm/", {"card_number": "4242 4242 4242 4242"})
    payment = guest.get(f"/api/v1/payments/{started['id']}/").json()

    order.refresh_from_db()
    assert (payment["state"], order.status) == (PaymentState.CAPTURED, OrderStatus.PAID)


def test_a_guest_token_does_not_start_paying_another_order():
    order, other = make_unpaid_order(customer=None), make_unpaid_order(customer=None)

    response = _guest_with_token_of(order).post(
        "/api/v1/payments/", {"order_number": other.number, "gateway": "offline"}
    )

    assert response.status_code == 404


def test_a_guest_token_neither_reads_nor_confirms_another_orders_payment():
    order = make_unpaid_order(customer=None)
    theirs = start_payment(order=make_unpaid_order(customer=UserFactory.create()), gateway_name="offline")
    guest = _guest_with_token_of(order)

    read = guest.get(f"/api/v1/payments/{theirs.pk}/")
    confirm = guest.post(f"/api/v1/payments/{theirs.pk}/confirm/", {"card_number": "4242424242424242"})

    theirs.refresh_from_db()
    assert (read.status_code, confirm.status_code, theirs.state) == (404, 404, PaymentState.PENDING)


def test_listing_payments_is_for_customers_only():
    order = make_unpaid_order(customer=None)

    assert _guest_with_token_of(order).get("/api/v1/payments/").status_code == 401


def test_a_disabled_gateway_is_a_problem(api, customer, settings):
    settings.PAYMENT_GATEWAYS = ["offline"]
    order = make_unpaid_order(customer=customer)

    response = api.post("/api/v1/payments/", {"order_number": order.number, "gateway": "stripe"})

    assert (response.status_code, response.json()["code"]) == (400, "payment_method_not_available")


def test_confirming_with_the_success_card_pays(api, customer):
    payment = start_payment(order=make_unpaid_order(customer=customer), gateway_name="offline")

    response = api.post(f"/api/v1/payments/{payment.pk}/confirm/", {"card_number": "4242424242424242"})

    payment.order.refresh_from_db()
    assert (response.status_code, response.json()["state"], payment.order.status) == (
        200,
        "captured",
        OrderStatus.PAID,
    )


def test_a_declined_card_is_a_402_problem_with_the_decline_code(api, customer):
    payment = start_payment(order=make_unpaid_order(customer=customer), gateway_name="offline")

    response = api.post(f"/api/v1/payments/{payment.pk}/confirm/", {"card_number": "4000000000000002"})

    body = response.json()
    assert (response.status_code, body["code"], body["decline_code"]) == (
        402,
        "payment_declined",
        "card_declined",
    )


def test_the_confirmation_card_asks_for_the_authentication_step(api, customer):
    payment = start_payment(order=make_unpaid_order(customer=customer), gateway_name="offline")

    response = api.post(f"/api/v1/payments/{payment.pk}/confirm/", {"card_number": "4000000000003220"})
    body = response.json()
    assert (body["state"], body["next_action"]["type"]) == (PaymentState.REQUIRES_ACTION, "authenticate")
    approved = api.post(f"/api/v1/payments/{payment.pk}/confirm/", {"authentication": "approve"})

    assert approved.json()["state"] == "captured"


def test_confirming_someone_elses_payment_is_404(api):
    payment = PaymentFactory.create(order=make_unpaid_order(customer=UserFactory.create()))

    response = api.post(f"/api/v1/payments/{payment.pk}/confirm/", {"card_number": "4242424242424242"})

    assert response.status_code == 404


def test_reading_someone_elses_payment_is_404(api):
    payment = PaymentFactory.create(order=make_unpaid_order(customer=UserFactory.create()))

    assert api.get(f"/api/v1/payments/{payment.pk}/").status_code == 404


def test_the_stripe_client_secret_is_given_for_the_payment_element(api, customer, fake_stripe):
    order = make_unpaid_order(customer=customer)

    response = api.post("/api/v1/payments/", {"order_number": order.number, "gateway": "stripe"})

    assert (response.json()["client_secret"], response.json()["next_action"]["type"]) == (
        "pi_fake0001_secret_fake",
        "use_stripe_js",
    )


def test_the_list_shows_only_my_payments(api, customer):
    mine = PaymentFactory.create(order=make_unpaid_order(customer=customer))
    PaymentFactory.create(order=make_unpaid_order(customer=UserFactory.create()))

    response = api.get("/api/v1/payments/")

    assert [p["id"] for p in response.json()["results"]] == [mine.pk]


@pytest.mark.parametrize("page_size", [2, 20])
def test_the_list_is_cursor_paginated_with_a_fixed_number_of_queries(
    api, customer, page_size, django_assert_num_queries
):
    payments = [PaymentFactory.create(order=make_unpaid_order(customer=customer)) for _ in range(25)]

    with django_assert_num_queries(1):  # one page of payments with their orders
        first = api.get("/api/v1/payments/", {"page_size": page_size}).json()
    second = api.get(first["next"]).json()

    newest_first = [p.pk for p in reversed(payments)]
    assert [p["id"] for p in first["results"]] == newest_first[:page_size]
    assert [p["id"] for p in second["results"]] == newest_first[page_size : 2 * page_size]


def test_the_list_goes_past_a_hundred_payments(api, customer):
    order = make_unpaid_order(customer=customer)
    PaymentFactory.create_batch(105, order=order)

    seen, url = 0, "/api/v1/payments/?page_size=100"
    while url:
        page = api.get(url).json()
        seen, url = seen + len(page["results"]), page["next"]

    assert seen == 105


def test_the_webhooks_and_endpoints_are_in_the_openapi_schema():
    response = APIClient().get("/api/schema/")

    paths = response.content.decode()
    assert "/api/v1/payments/webhooks/stripe/" in paths
    assert "/api/v1/payments/{payment_id}/confirm/" in paths


@pytest.mark.parametrize("gateway", ["stripe", "offline"])
def test_the_schema_says_a_webhook_needs_its_signature_header(gateway):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    parameters = schema["paths"][f"/api/v1/payments/webhooks/{gateway}/"]["post"]["parameters"]

    assert [(p["in"], p["name"], p["required"]) for p in parameters] == [("header", "Stripe-Signature", True)]


def test_a_confirmation_naming_nothing_is_refused_as_the_schema_says(api, customer):
    """The view needs one of the fields; the schema must not promise that `{}` is valid."""
    payment = start_payment(order=make_unpaid_order(customer=customer), gateway_name="offline")
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    response = api.post(f"/api/v1/payments/{payment.pk}/confirm/", {})

    assert response.status_code == 400
    assert schema["paths"]["/api/v1/payments/{payment_id}/confirm/"]["post"]["requestBody"]["required"]
    assert schema["components"]["schemas"]["ConfirmPaymentInputRequest"]["anyOf"] == [
        {"required": ["card_number"]},
        {"required": ["authentication"]},
        {"required": ["payment_method"]},
    ]


def test_the_owner_cannot_mark_their_own_bank_transfer_paid(api, customer):
    payment = start_payment(order=make_unpaid_order(customer=customer), gateway_name="bank_transfer")

    response = api.post(f"/api/v1/payments/{payment.pk}/confirm/", {"card_number": "4242424242424242"})

    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert (response.status_code, response["Content-Type"], response.json()["code"]) == (
        409,
        "application/problem+json",
        "payment_action_not_allowed",
    )
    assert (payment.state, payment.order.status) == (PaymentState.PENDING, OrderStatus.UNPAID)


def test_a_guest_cannot_mark_cash_on_delivery_paid_with_its_order_token():
    order = make_unpaid_order(customer=None)
    payment = start_payment(order=order, gateway_name="cash_on_delivery")

    response = _guest_with_token_of(order).post(
        f"/api/v1/payments/{payment.pk}/confirm/", {"authentication": "approve"}
    )

    payment.refresh_from_db()
    order.refresh_from_db()
    assert response.status_code == 409
    assert (payment.state, order.status) == (PaymentState.PENDING, OrderStatus.UNPAID)


def test_approving_without_a_confirmation_step_does_not_pay(api, customer):
    payment = start_payment(order=make_unpaid_order(customer=customer), gateway_name="offline")

    response = api.post(f"/api/v1/payments/{payment.pk}/confirm/", {"authentication": "approve"})

    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert response.status_code == 409
    assert (payment.state, payment.order.status) == (PaymentState.PENDING, OrderStatus.UNPAID)


def test_confirming_a_stripe_payment_on_the_server_sends_our_return_page(api, customer, fake_stripe):
    payment = start_payment(order=make_unpaid_order(customer=customer), gateway_name="stripe")

    response = api.post(f"/api/v1/payments/{payment.pk}/confirm/", {"payment_method": "pm_card_visa"})

    (confirm,) = fake_stripe.requests_to(f"/v1/payment_intents/{payment.provider_reference}/confirm")
    assert (response.status_code, response.json()["state"]) == (200, "captured")
    assert confirm.form["return_url"].startswith(
        f"http://testserver/payments/orders/{payment.order.number}/{payment.pk}/return/?token="
    )


def _return_address_of(fake_stripe, payment) -> str:
    (confirm,) = fake_stripe.requests_to(f"/v1/payment_intents/{payment.provider_reference}/confirm")
    return confirm.form["return_url"].removeprefix("http://testserver")


def test_a_browser_the_bank_sends_back_from_an_apps_payment_sees_the_order(fake_stripe):
    """The app's guest paid with its X-Order-Token; the browser Stripe sends back has no session
    and no token of ours but the one the API signed into the return address."""
    order = make_unpaid_order(customer=None)
    payment = start_payment(order=order, gateway_name="stripe")
    _guest_with_token_of(order).post(
        f"/api/v1/payments/{payment.pk}/confirm/", {"payment_method": "pm_card_visa"}
    )
    browser = Client()

    response = browser.get(_return_address_of(fake_stripe, payment), follow=True)

    order.refresh_from_db()
    assert response.redirect_chain == [(f"/checkout/orders/{order.number}/", 302)]
    assert response.status_code == 200
    assert order.status == OrderStatus.PAID


def test_a_return_token_opens_only_the_payment_it_was_made_for(api, customer, fake_stripe):
    mine = start_payment(order=make_unpaid_order(customer=None), gateway_name="stripe")
    theirs = start_payment(order=make_unpaid_order(customer=customer), gateway_name="stripe")
    _guest_with_token_of(mine.order).post(
        f"/api/v1/payments/{mine.pk}/confirm/", {"payment_method": "pm_card_visa"}
    )
    token = _return_address_of(fake_stripe, mine).partition("?")[2]
    browser = Client()

    other_payment = browser.get(f"/payments/orders/{theirs.order.number}/{theirs.pk}/return/?{token}")
    altered = browser.get(f"/payments/orders/{mine.order.number}/{mine.pk}/return/?{token}x")

    assert (other_payment.status_code, altered.status_code) == (404, 404)
    assert browser.get(f"/checkout/orders/{theirs.order.number}/").status_code == 404
