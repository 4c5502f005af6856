"""API authentication: JSON Web Tokens with the login page's checks, rotation and revocation."""

import re

import pyotp
import pytest
from django.core import mail
from rest_framework.test import APIClient

from emporium.accounts.services import delete_account
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory, activate_totp

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-sturdy-passphrase-42"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _obtain(api: APIClient, email: str = "ann@example.com", password: str = PASSWORD, **extra: str):
    return api.post("/api/v1/auth/token/", {"email": email, "password": password, **extra}, format="json")


def _refresh(api: APIClient, refresh: str):
    return api.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")


def _me(api: APIClient, access: str):
    return api.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_customer_obtains_tokens_and_reads_who_they_are(api):
    customer = UserFactory.create(email="ann@example.com", full_name="Ann Example")

    tokens = _obtain(api).json()
    me = _me(api, tokens["access"])

    assert me.status_code == 200
    assert me.json() == {
        "id": customer.pk,
        "email": "ann@example.com",
        "full_name": "Ann Example",
        "date_joined": me.json()["date_joined"],
        "is_staff": False,
    }


def test_wrong_password_and_unknown_email_get_the_same_problem(api):
    UserFactory.create(email="ann@example.com")

    wrong = _obtain(api, password="not-the-password")
    unknown = _obtain(api, email="nobody@example.com")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong["Content-Type"] == "application/problem+json"
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


def test_locked_out_account_and_unknown_email_get_the_same_problem(api):
    UserFactory.create(email="ann@example.com")
    for _ in range(5):
        _obtain(api, password="not-the-password")
        _obtain(api, email="nobody@example.com")

    locked = _obtain(api)  # the right password, too late
    unknown = _obtain(api, email="nobody@example.com")

    assert locked.status_code == unknown.status_code == 429
    assert locked.json() == unknown.json()
    assert locked.json()["code"] == "too_many_login_attempts"


def test_the_api_and_the_login_page_share_one_lock_out(api, client):
    UserFactory.create(email="ann@example.com")
    for _ in range(5):
        client.post("/accounts/login/", {"login": "ann@example.com", "password": "not-the-password"})

    assert _obtain(api).status_code == 429


def test_unverified_address_gets_no_tokens(api):
    UserFactory.create(email="ann@example.com", email_address__verified=False)

    response = _obtain(api)

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"


def test_account_with_an_authenticator_app_needs_its_code(api):
    customer = UserFactory.create(email="ann@example.com")
    secret = activate_totp(user=customer)

    without = _obtain(api)
    wrong = _obtain(api, code="000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    right = _obtain(api, code=pyotp.TOTP(secret).now())

    assert (without.status_code, without.json()["code"]) == (401, "second_factor_required")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_second_factor")
    assert right.status_code == 200


def test_staff_without_an_authenticator_app_get_no_tokens_when_required(api, settings):
    settings.STAFF_MFA_REQUIRED = True
    StaffUserFactory.create(email="staff@example.com")

    response = _obtain(api, email="staff@example.com")

    assert (response.status_code, response.json()["code"]) == (403, "staff_second_factor_missing")


def test_refresh_rotates_and_the_old_refresh_token_is_refused(api):
    UserFactory.create(email="ann@example.com")
    first = _obtain(api).json()

    rotated = _refresh(api, first["refresh"])
    replayed = _refresh(api, first["refresh"])

    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first["refresh"]
    assert replayed.status_code == 401
    assert _refresh(api, rotated.json()["refresh"]).status_code == 200


def test_refresh_token_is_refused_after_logout(api):
    UserFactory.create(email="ann@example.com")
    tokens = _obtain(api).json()

    logout = api.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert logout.status_code == 204
    assert _refresh(api, tokens["refresh"]).status_code == 401


def test_the_access_token_is_refused_at_once_after_logout(api):
    UserFactory.create(email="ann@example.com")
    tokens = _obtain(api).json()

    api.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
    response = _me(api, tokens["access"])

    assert (response.status_code, response.json()["code"]) == (401, "token_revoked")


def test_another_device_keeps_its_session_through_a_refresh_after_one_logs_out(api):
    UserFactory.create(email="ann@example.com")
    phone, laptop = _obtain(api).json(), _obtain(api).json()

    api.post("/api/v1/auth/logout/", {"refresh": phone["refresh"]}, format="json")
    refreshed = _refresh(api, laptop["refresh"]).json()

    assert _me(api, laptop["access"]).status_code == 401
    assert _me(api, refreshed["access"]).status_code == 200


def test_logout_with_a_forged_token_is_refused(api):
    response = api.post("/api/v1/auth/logout/", {"refresh": "not.a.token"}, format="json")

    assert (response.status_code, response.json()["code"]) == (401, "invalid_refresh_token")


def test_tokens_are_refused_after_a_password_change(api, client):
    customer = UserFactory.create(email="ann@example.com")
    tokens = _obtain(api).json()
    rotated = _refresh(api, _obtain(api).json()["refresh"]).json()  # a second client, refreshed once
    client.force_login(customer)

    changed = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert changed.status_code == 302
    assert _refresh(api, tokens["refresh"]).status_code == 401
    assert _refresh(api, rotated["refresh"]).status_code == 401
    assert _me(api, tokens["access"]).status_code == 401  # the access token dies at once too


def test_tokens_are_refused_after_a_password_reset(api, client, django_capture_on_commit_callbacks):
    UserFactory.create(email="ann@example.com")
    tokens = _obtain(api).json()

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "ann@example.com"})
    match = re.search(r"http://testserver(\S+)", str(mail.outbox[-1].body))
    assert match
    link = match.group(1)
    form_url = client.get(link).url
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert _obtain(api, password=NEW_PASSWORD).status_code == 200  # the reset went through
    assert _refresh(api, tokens["refresh"]).status_code == 401


def test_tokens_are_refused_after_the_account_is_closed(api):
    customer = UserFactory.create(email="ann@example.com")
    tokens = _obtain(api).json()

    delete_account(user=customer)

    assert _refresh(api, tokens["refresh"]).status_code == 401
    assert _me(api, tokens["access"]).status_code == 401


def test_me_needs_authentication(api):
    response = api.get("/api/v1/auth/me/")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_an_api_client_that_obtained_tokens_before_is_not_locked_out_by_a_stranger():
    UserFactory.create(email="ann@example.com")
    known = APIClient(REMOTE_ADDR="203.0.113.50")
    assert _obtain(known).status_code == 200
    stranger = APIClient(REMOTE_ADDR="203.0.113.50")  # the same carrier NAT
    for _ in range(7):
        _obtain(stranger, password="not-the-password")

    assert _obtain(known).status_code == 200
    assert _obtain(stranger).status_code == 429


def test_a_device_known_from_the_login_page_is_known_to_the_api(client):
    UserFactory.create(email="ann@example.com")
    client.defaults["REMOTE_ADDR"] = "203.0.113.50"
    assert (
        client.post("/accounts/login/", {"login": "ann@example.com", "password": PASSWORD}).status_code == 302
    )
    stranger = APIClient(REMOTE_ADDR="203.0.113.50")
    for _ in range(7):
        _obtain(stranger, password="not-the-password")

    response = client.post(
        "/api/v1/auth/token/",
        {"email": "ann@example.com", "password": PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 200
