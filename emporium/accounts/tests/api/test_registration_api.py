"""Signing up through the API: allauth's rules, a verification e-mail, no account enumeration."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from emporium.accounts.models import User
from emporium.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _send_queued_emails(monkeypatch):
    """E-mails are queued to go after the commit; the test's transaction never commits, so send now."""
    monkeypatch.setattr("emporium.core.queueing.transaction.on_commit", lambda callback, **_: callback())


PASSWORD = "a-sturdy-passphrase-42"


def _register(email: str = "new@example.com", password: str = PASSWORD):
    return APIClient().post(
        "/api/v1/auth/register/", {"email": email, "password": password, "full_name": "New Customer"}
    )


def _key_from_last_email() -> str:
    match = re.search(r"/accounts/confirm-email/([^/\s]+)/", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_sign_up_verify_then_obtain_tokens():
    registered = _register()
    before = APIClient().post("/api/v1/auth/token/", {"email": "new@example.com", "password": PASSWORD})
    verified = APIClient().post("/api/v1/auth/verify-email/", {"key": _key_from_last_email()})
    after = APIClient().post("/api/v1/auth/token/", {"email": "new@example.com", "password": PASSWORD})

    assert registered.status_code == 202
    assert User.objects.get(email="new@example.com").full_name == "New Customer"
    assert (before.status_code, before.json()["code"]) == (403, "email_not_verified")
    assert verified.status_code == 204
    assert after.status_code == 200
    assert set(after.json()) == {"access", "refresh"}


def test_signing_up_with_a_taken_address_answers_the_same_and_tells_its_owner():
    UserFactory.create(email="taken@example.com")

    taken = _register(email="taken@example.com")
    fresh = _register(email="fresh@example.com")

    assert taken.status_code == fresh.status_code == 202
    assert taken.json() == fresh.json()
    assert User.objects.filter(email="taken@example.com").count() == 1
    assert len(mail.outbox) == 2


def test_a_weak_password_is_a_problem_naming_the_field():
    response = _register(password="password")

    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_unknown_verification_key_is_a_problem():
    response = APIClient().post("/api/v1/auth/verify-email/", {"key": "made-up"})

    assert (response.status_code, response.json()["code"]) == (400, "invalid_verification_key")
