"""Passwords imported from another shop keep working and are upgraded to Argon2id."""

import bcrypt
import pytest
from django.contrib.auth.hashers import make_password

from config import settings as project_settings
from emporium.accounts.models import User
from emporium.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "imported-password-1"


@pytest.fixture(autouse=True)
def production_hashers(settings):
    """The production list: conftest puts fast MD5 first, which would hide the upgrade."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def _import_customer(*, password_hash: str) -> User:
    customer = UserFactory.create(email="imported@example.com")
    User.objects.filter(pk=customer.pk).update(password=password_hash)
    return customer


def _log_in(client, password: str):
    return client.post("/accounts/login/", {"login": "imported@example.com", "password": password})


@pytest.mark.parametrize(
    "password_hash",
    [
        pytest.param(make_password(PASSWORD, hasher="bcrypt_sha256"), id="bcrypt_sha256"),
        # What another shop's database holds, "$2b$..." behind Django's "bcrypt$" prefix.
        pytest.param(
            "bcrypt$" + bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode(), id="bcrypt"
        ),
    ],
)
def test_bcrypt_hash_logs_in_and_is_rewritten_as_argon2(client, password_hash):
    customer = _import_customer(password_hash=password_hash)

    response = _log_in(client, PASSWORD)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.password.startswith("argon2$argon2id$")
    assert customer.check_password(PASSWORD)


def test_bcrypt_hash_refuses_a_wrong_password_and_stays_as_it_is(client):
    password_hash = "bcrypt$" + bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    customer = _import_customer(password_hash=password_hash)

    response = _log_in(client, "not-the-password")

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.password == password_hash


def test_long_password_checks_against_a_plain_bcrypt_hash_as_the_old_shop_did(client):
    # bcrypt used only the first 72 bytes; bcrypt 5 raises on longer input instead.
    long_password = "x" * 72 + "-ignored-by-bcrypt"
    password_hash = "bcrypt$" + bcrypt.hashpw(("x" * 72).encode(), bcrypt.gensalt(rounds=4)).decode()
    customer = _import_customer(password_hash=password_hash)

    response = _log_in(client, long_password)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.password.startswith("argon2$")


def test_new_passwords_are_hashed_with_argon2id():
    assert make_password("a-new-password-1").startswith("argon2$argon2id$")
