"""Staff need an authenticator app before they reach the admin (and the future dashboard)."""

import pytest

from emporium.accounts.tests.factories import StaffUserFactory, UserFactory, activate_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.STAFF_MFA_REQUIRED = True


@pytest.mark.usefixtures("required")
@pytest.mark.parametrize("path", ["/admin/", "/admin/orders/order/", "/dashboard/"])
def test_staff_without_an_authenticator_app_are_sent_to_set_one_up(client, path):
    client.force_login(StaffUserFactory.create())

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == "/accounts/2fa/totp/activate/"


@pytest.mark.usefixtures("required")
def test_staff_with_an_authenticator_app_reach_the_admin(client):
    staff = StaffUserFactory.create(is_superuser=True)
    activate_totp(user=staff)
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200


@pytest.mark.usefixtures("required")
def test_staff_can_still_use_the_shop_and_their_account_to_enrol(client):
    client.force_login(StaffUserFactory.create())

    assert client.get("/account/").status_code == 200
    assert client.get("/accounts/2fa/").status_code == 200


@pytest.mark.usefixtures("required")
def test_customers_are_never_asked_for_an_authenticator_app(client):
    client.force_login(UserFactory.create())

    assert client.get("/account/").status_code == 200
    assert client.get("/admin/", follow=True).status_code == 403  # not staff: the admin itself refuses


def test_not_enforced_when_switched_off(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(StaffUserFactory.create(is_superuser=True))

    assert client.get("/admin/").status_code == 200


def test_admin_login_goes_through_the_storefront_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2F"


@pytest.mark.usefixtures("required")
def test_staff_logging_in_for_the_admin_is_asked_for_their_code(client):
    staff = StaffUserFactory.create(email="staff@example.com", is_superuser=True)
    activate_totp(user=staff)

    response = client.post(
        "/accounts/login/",
        {"login": "staff@example.com", "password": "correct-horse-battery", "next": "/admin/"},
    )

    assert response.url.startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
