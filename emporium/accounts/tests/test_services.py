from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

from emporium.accounts.models import User
from emporium.accounts.services import DEMO_STAFF_EMAIL, clear_expired_sessions, ensure_demo_staff_user

pytestmark = pytest.mark.django_db


def _session(key: str, *, expires_in: timedelta) -> Session:
    return Session.objects.create(
        session_key=key, session_data="e30", expire_date=timezone.now() + expires_in
    )


def test_clear_expired_sessions_keeps_live_ones():
    _session("expired" * 4, expires_in=-timedelta(minutes=1))
    _session("live" * 8, expires_in=timedelta(days=1))

    clear_expired_sessions()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live" * 8]


def _log_in_for_the_admin(client, credentials):
    return client.post(
        "/accounts/login/", {"login": credentials.email, "password": credentials.password, "next": "/admin/"}
    )


def test_demo_staff_user_can_log_in_to_the_admin(client, settings):
    settings.STAFF_MFA_REQUIRED = False  # as in `make run`: embedded DEBUG mode
    credentials = ensure_demo_staff_user()

    response = _log_in_for_the_admin(client, credentials)

    assert response.url == "/admin/"  # through the storefront login: its address counts as verified
    assert client.get("/admin/").status_code == 200


def test_demo_staff_user_must_set_up_two_factor_where_staff_need_it(client, settings):
    settings.STAFF_MFA_REQUIRED = True  # service and production mode
    credentials = ensure_demo_staff_user()

    _log_in_for_the_admin(client, credentials)

    assert client.get("/admin/").url == "/accounts/2fa/totp/activate/"


def test_demo_staff_user_is_created_once_and_its_password_restored():
    ensure_demo_staff_user()
    user = User.objects.get(email=DEMO_STAFF_EMAIL)
    user.set_password("changed-by-someone")
    user.save()

    again = ensure_demo_staff_user()

    assert not again.created
    assert User.objects.filter(email=DEMO_STAFF_EMAIL).count() == 1
    assert User.objects.get(email=DEMO_STAFF_EMAIL).check_password(again.password)


@override_settings(IS_PRODUCTION=True)
def test_demo_staff_user_is_refused_in_production():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        ensure_demo_staff_user()
    assert not User.objects.exists()
