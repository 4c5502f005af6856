import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError

from emporium.accounts.models import User
from emporium.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_logs_in_by_email_whatever_its_case():
    UserFactory.create(email="ann@example.com")

    assert authenticate(username="ANN@Example.com", password="correct-horse-battery") is not None


def test_two_users_cannot_share_an_email_differing_only_in_case():
    User.objects.create_user(email="bob@example.com", password="x" * 12)

    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="BOB@example.com")])


def test_user_created_without_password_cannot_log_in():
    user = User.objects.create_user(email="imported@example.com")

    assert not user.has_usable_password()


def test_create_superuser_makes_staff():
    user = User.objects.create_superuser(email="root@example.com", password="x" * 12)

    assert user.is_staff
    assert user.is_superuser


def test_email_domain_is_normalised():
    user = User.objects.create_user(email="carol@EXAMPLE.COM")

    assert user.email == "carol@example.com"
