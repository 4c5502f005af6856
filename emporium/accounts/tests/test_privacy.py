"""Download my data, and close my account."""

import json
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.core import mail

from emporium.accounts.models import Address, User
from emporium.accounts.services import ANONYMISED_EMAIL_DOMAIN, delete_account
from emporium.accounts.tests.factories import (
    AddressFactory,
    SocialAccountFactory,
    UserFactory,
    activate_recovery_codes,
    activate_totp,
)
from emporium.orders.models import Order, OrderLine
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _download(client) -> dict:
    response = client.get("/account/privacy/my-data.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="emporium-my-data-')
    return json.loads(response.content)


def test_download_holds_everything_about_the_customer(client):
    customer = UserFactory.create(email="ann@example.com", full_name="Ann Example")
    AddressFactory.create(customer=customer, line1="1 Harbour Road", phone="+44 117 496 0000")
    SocialAccountFactory.create(user=customer, provider="github", uid="583231")
    activate_totp(user=customer)
    order = OrderFactory.create(
        customer=customer, number="EM-000007", email="ann@example.com", total_amount=Decimal("9.90")
    )
    OrderLineFactory.create(
        order=order,
        variant=None,
        sku="MUG-1",
        product_name="Enamel mug",
        quantity=2,
        unit_price_amount=Decimal("4.95"),
    )
    client.force_login(customer)

    data = _download(client)

    assert data["profile"]["email"] == "ann@example.com"
    assert data["profile"]["full_name"] == "Ann Example"
    assert data["email_addresses"] == [{"email": "ann@example.com", "verified": True, "primary": True}]
    assert data["addresses"][0]["line1"] == "1 Harbour Road"
    assert data["addresses"][0]["phone"] == "+44 117 496 0000"
    assert data["connected_accounts"][0]["provider"] == "github"
    assert data["connected_accounts"][0]["uid"] == "583231"
    assert [entry["type"] for entry in data["two_factor_authentication"]] == ["totp"]
    assert data["orders"] == [
        {
            "number": "EM-000007",
            "placed_at": data["orders"][0]["placed_at"],
            "status": "paid",
            "email": "ann@example.com",
            "country": "",
            "currency": "GBP",
            "total": "9.90",
            "lines": [
                {
                    "sku": "MUG-1",
                    "product_name": "Enamel mug",
                    "quantity": 2,
                    "unit_price": "4.95",
                    "total": "9.90",
                }
            ],
        }
    ]


def test_download_holds_no_secrets_and_nobody_elses_data(client):
    customer = UserFactory.create(email="ann@example.com")
    secret = activate_totp(user=customer)
    OrderFactory.create(number="EM-000099", email="bob@example.com")
    AddressFactory.create(line1="9 Their Street")
    client.force_login(customer)

    body = client.get("/account/privacy/my-data.json").content.decode()

    assert customer.password not in body
    assert secret not in body
    assert "EM-000099" not in body
    assert "bob@example.com" not in body
    assert "9 Their Street" not in body


def test_download_runs_a_fixed_number_of_queries(client, django_assert_num_queries, session_queries):
    customer = UserFactory.create()
    for order in OrderFactory.create_batch(5, customer=customer):
        OrderLineFactory.create_batch(3, order=order, variant=None)
    AddressFactory.create_batch(3, customer=customer)
    client.force_login(customer)

    # (session,) user, e-mail addresses, addresses, social accounts, authenticators, orders, lines
    with django_assert_num_queries(session_queries + 7):
        client.get("/account/privacy/my-data.json")


def test_closing_the_account_needs_the_password(client):
    customer = UserFactory.create()
    client.force_login(customer)

    response = client.post("/account/close/", {"password": "not-my-password"})

    assert response.status_code == 422
    assert 'id="id_password_error"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.is_active


def test_closing_the_account_erases_personal_data_and_keeps_orders_anonymised(client):
    customer = UserFactory.create(email="ann@example.com", full_name="Ann Example")
    AddressFactory.create_batch(2, customer=customer)
    SocialAccountFactory.create(user=customer)
    activate_totp(user=customer)
    activate_recovery_codes(user=customer)
    order = OrderFactory.create(customer=customer, email="ann@example.com")
    OrderLineFactory.create(order=order, variant=None)
    client.force_login(customer)

    response = client.post("/account/close/", {"password": PASSWORD})

    assert response.url == "/"
    assert "_auth_user_id" not in client.session
    customer.refresh_from_db()
    assert not customer.is_active
    assert customer.email.endswith(f"@{ANONYMISED_EMAIL_DOMAIN}")
    assert "ann" not in customer.email
    assert customer.full_name == ""
    assert not customer.has_usable_password()
    assert not Address.objects.filter(customer=customer).exists()
    assert not EmailAddress.objects.filter(user=customer).exists()
    assert not SocialAccount.objects.filter(user=customer).exists()
    assert not Authenticator.objects.filter(user=customer).exists()
    kept = Order.objects.get(pk=order.pk)
    assert (kept.customer_id, kept.email, OrderLine.objects.filter(order=kept).count()) == (
        customer.pk,
        "",
        1,
    )


def test_closed_account_cannot_log_in_nor_reset_its_password(client, django_capture_on_commit_callbacks):
    customer = UserFactory.create(email="ann@example.com")
    delete_account(user=customer)

    login = client.post("/accounts/login/", {"login": "ann@example.com", "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "ann@example.com"})

    assert login.status_code == 200
    assert "are not correct" in login.content.decode()
    assert "/accounts/password/reset/key/" not in mail.outbox[-1].body  # the unknown-address mail


def test_customer_without_a_password_confirms_with_their_email_address(client):
    customer = UserFactory.create(email="ann@example.com", password=None)
    customer.set_unusable_password()
    customer.save()
    client.force_login(customer)

    refused = client.post("/account/close/", {"email": "someone@example.com"})
    closed = client.post("/account/close/", {"email": "Ann@Example.com"})

    assert refused.status_code == 422
    assert closed.status_code == 302
    assert not User.objects.get(pk=customer.pk).is_active
