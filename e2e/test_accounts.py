"""Customer account journeys in Chromium: sign-up with e-mail verification, logging in and
out, password reset, and two-factor authentication with an authenticator app."""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from emporium.accounts.models import User
from emporium.accounts.tests.factories import UserFactory, activate_totp

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-sturdy-passphrase-42"


def _link_in(mail_body: str) -> str:
    match = re.search(r"https?://\S+", mail_body)
    assert match, mail_body
    return match.group(0)


def _log_in(page: Page, base_url: str, *, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_customer_signs_up_verifies_the_address_and_lands_in_the_account(page: Page, live_server, mailoutbox):
    page.goto(live_server.url)
    page.get_by_role("banner").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_label("Full name").fill("Nina Newcomer")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    assert [message.to for message in mailoutbox] == [["nina@example.com"]]
    page.goto(_link_in(mailoutbox[0].body))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_role("main").get_by_text("Signed in as nina@example.com")).to_be_visible()
    assert User.objects.get(email="nina@example.com").full_name == "Nina Newcomer"


def test_customer_cannot_log_in_before_verifying(page: Page, live_server, mailoutbox):
    UserFactory.create(email="ursula@example.com", email_address__verified=False)

    _log_in(page, live_server.url, email="ursula@example.com", password=PASSWORD)

    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    assert mailoutbox[-1].to == ["ursula@example.com"]  # a fresh link to follow


def test_customer_logs_in_and_out_from_the_header(page: Page, live_server):
    UserFactory.create(email="ann@example.com", full_name="Ann Example")

    page.goto(live_server.url)
    page.get_by_role("banner").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="My account")).to_be_visible()
    header.get_by_role("button", name="Log out").click()
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    expect(header.get_by_role("link", name="My account")).to_have_count(0)


def test_wrong_password_is_explained_and_the_typed_address_kept(page: Page, live_server):
    UserFactory.create(email="ann@example.com")

    _log_in(page, live_server.url, email="ann@example.com", password="not-my-password")

    expect(
        page.get_by_text("The e-mail address and/or password you specified are not correct.")
    ).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("ann@example.com")


def test_customer_resets_a_forgotten_password(page: Page, live_server, mailoutbox):
    UserFactory.create(email="ann@example.com")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_role("button", name="Reset My Password").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()

    page.goto(_link_in(mailoutbox[-1].body))
    page.get_by_label("New Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change Password").click()
    expect(page.get_by_text("Your password is now changed.")).to_be_visible()

    _log_in(page, live_server.url, email="ann@example.com", password=NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_customer_turns_on_an_authenticator_app(page: Page, live_server):
    user = UserFactory.create(email="ann@example.com")
    _log_in(page, live_server.url, email="ann@example.com", password=PASSWORD)

    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="Two-factor authentication"
    ).click()
    page.get_by_role("link", name="Activate").click()
    # allauth asks for the password again before any change to two-factor settings.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_customer_with_an_authenticator_app_logs_in_with_a_code(page: Page, live_server):
    user = UserFactory.create(email="ann@example.com")
    secret = activate_totp(user=user)

    _log_in(page, live_server.url, email="ann@example.com", password=PASSWORD)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign In").click()

    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_a_wrong_code_keeps_the_customer_out(page: Page, live_server):
    user = UserFactory.create(email="ann@example.com")
    secret = activate_totp(user=user)
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"

    _log_in(page, live_server.url, email="ann@example.com", password=PASSWORD)
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Sign In").click()

    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="My account")).to_have_count(0)
