"""Social login in Chromium through a real OpenID Connect provider on 127.0.0.1.

The provider (e2e/oidc/provider.py) runs in this process on a free port; allauth talks to
it over HTTP exactly as to Google or a company's identity server: discovery, the browser
redirect to its login and consent page, the code exchange with PKCE, the RS256-signed ID
token, and userinfo.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import Page, expect

from e2e.oidc.provider import LocalOIDCProvider
from emporium.accounts.models import User
from emporium.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDER_ID = "test-identity"


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[LocalOIDCProvider]:
    provider = LocalOIDCProvider(name="Test Identity").start()
    yield provider
    provider.stop()


@pytest.fixture
def identity(oidc_provider: LocalOIDCProvider, live_server, settings) -> Iterator[LocalOIDCProvider]:
    """The shop configured for the provider, as OIDC_SERVER_URL and friends would configure it."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": PROVIDER_ID,
                    "name": oidc_provider.name,
                    "client_id": oidc_provider.client_id,
                    "secret": oidc_provider.client_secret,
                    "settings": {"server_url": oidc_provider.url},
                }
            ],
        }
    }
    oidc_provider.redirect_uris.add(f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/callback/")
    yield oidc_provider
    oidc_provider.reset()


def _sign_in_through_the_provider(
    page: Page, base_url: str, *, email: str, password: str, decision: str
) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_role("link", name="Test Identity").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Sign in to Test Identity")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=decision).click()


def test_new_customer_signs_up_through_the_identity_provider(page: Page, live_server, identity):
    identity.add_user(email="nora@example.com", password="idp-secret-1", name="Nora Newcomer")

    _sign_in_through_the_provider(
        page, live_server.url, email="nora@example.com", password="idp-secret-1", decision="Allow"
    )

    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_role("main").get_by_text("Signed in as nora@example.com")).to_be_visible()
    user = User.objects.get(email="nora@example.com")
    assert user.full_name == "Nora Newcomer"
    assert EmailAddress.objects.get(user=user).verified  # the provider vouched for it
    assert SocialAccount.objects.filter(user=user).count() == 1


def test_existing_customer_with_the_same_verified_address_is_linked(page: Page, live_server, identity):
    customer = UserFactory.create(email="ann@example.com", full_name="Ann Example")
    identity.add_user(email="ann@example.com", password="idp-secret-2", name="Ann at Work")

    _sign_in_through_the_provider(
        page, live_server.url, email="ann@example.com", password="idp-secret-2", decision="Allow"
    )

    expect(page.get_by_role("main").get_by_text("Signed in as ann@example.com")).to_be_visible()
    assert User.objects.count() == 1
    assert SocialAccount.objects.get().user == customer
    customer.refresh_from_db()
    assert customer.has_usable_password()  # verified address: nothing to distrust, password kept


def test_denied_consent_returns_to_the_login_page_with_a_message(page: Page, live_server, identity):
    identity.add_user(email="nora@example.com", password="idp-secret-1", name="Nora Newcomer")

    _sign_in_through_the_provider(
        page, live_server.url, email="nora@example.com", password="", decision="Deny"
    )

    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_text("You did not allow Test Identity to sign you in.")).to_be_visible()
    assert not User.objects.exists()


def test_account_whose_address_was_never_verified_loses_its_password(page: Page, live_server, identity):
    # Someone signed up with Ann's address but could never verify it; Ann's identity
    # provider vouches for it. Whoever chose the account's password loses it, and the
    # address still has to be verified from Ann's mailbox before anybody gets in.
    squatted = UserFactory.create(email="ann@example.com", email_address__verified=False)
    identity.add_user(email="ann@example.com", password="idp-secret-2", name="Ann Example")

    _sign_in_through_the_provider(
        page, live_server.url, email="ann@example.com", password="idp-secret-2", decision="Allow"
    )

    expect(page.get_by_text("Confirmation email sent to ann@example.com.")).to_be_visible()
    squatted.refresh_from_db()
    assert not squatted.has_usable_password()
    assert SocialAccount.objects.get().user == squatted
