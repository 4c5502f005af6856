"""Who gets the dashboard's page: staff who may read orders; customers are refused."""

import pytest

from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory, activate_totp

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/orders/EM-000001"])
@pytest.mark.parametrize("role", [ANALYST, ORDER_MANAGER], ids=["analyst", "order-manager"])
def test_staff_who_read_orders_get_the_app_shell_on_every_dashboard_url(client, path, role):
    client.force_login(StaffUserFactory.create(roles=[role]))

    response = client.get(path)

    assert response.status_code == 200
    assert b'id="dashboard"' in response.content
    assert "csrftoken" in response.cookies


def test_a_customer_is_refused(client):
    client.force_login(UserFactory.create())

    assert client.get("/dashboard/").status_code == 403


def test_staff_whose_role_cannot_read_orders_are_refused(client):
    client.force_login(StaffUserFactory.create(roles=[CATALOG_MANAGER]))

    assert client.get("/dashboard/").status_code == 403


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert "next=/dashboard/" in response["Location"]


def test_staff_need_an_authenticator_app_where_two_factors_are_required(client, settings):
    settings.STAFF_MFA_REQUIRED = True
    without, with_totp = StaffUserFactory.create(roles=[ANALYST]), StaffUserFactory.create(roles=[ANALYST])
    activate_totp(user=with_totp)

    client.force_login(without)
    assert client.get("/dashboard/").status_code == 302
    client.force_login(with_totp)
    assert client.get("/dashboard/").status_code == 200
