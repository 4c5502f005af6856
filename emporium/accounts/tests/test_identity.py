"""One answer to "who is making the request", and no other way of asking it in the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from emporium.accounts.identity import authenticated_user, signed_in_user
from emporium.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APPS = Path(__file__).resolve().parents[2]
# The hand-written versions of the question this module answers (issue 17 found five names).
ASKED_BY_HAND = re.compile(r"isinstance\(request\.user, User\)|cast\(User, request\.user\)")


def _request(user=None):
    request = RequestFactory().get("/")
    if user is not None:
        request.user = user
    return request


def test_a_signed_in_user_is_themselves_and_a_visitor_is_nobody():
    customer = UserFactory.create()

    assert signed_in_user(_request(customer)) == customer
    assert signed_in_user(_request(AnonymousUser())) is None
    assert signed_in_user(_request()) is None  # no authentication middleware at all


def test_a_view_for_signed_in_users_refuses_a_visitor_it_was_not_guarded_against():
    customer = UserFactory.create()

    assert authenticated_user(_request(customer)) == customer
    with pytest.raises(PermissionDenied):
        authenticated_user(_request(AnonymousUser()))


def test_no_app_asks_who_the_user_is_any_other_way():
    offenders = [
        f"{path.relative_to(APPS)}:{number}"
        for path in APPS.rglob("*.py")
        if "tests" not in path.parts and path.name != "identity.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ASKED_BY_HAND.search(line)
    ]
    assert offenders == []
