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


def test_demo_staff_user_can_log_in_to_the_admin(client):
    credentials = ensure_demo_staff_user()

    assert client.login(username=credentials.email, password=credentials.password)
    assert client.get("/admin/").status_code == 200


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
