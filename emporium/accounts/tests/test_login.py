"""Logging in by e-mail through allauth: verification, lock-out and no account enumeration."""

import re

import pytest
from django.core import mail

from emporium.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
PASSWORD = "correct-horse-battery"
LOCKOUT_AFTER = 5  # ACCOUNT_RATE_LIMITS["login_failed"]: 5 per 15 minutes per account


def _log_in(client, email: str, password: str = "not-the-password"):
    return client.post(LOGIN_URL, {"login": email, "password": password})


def _as_seen_by_an_attacker(response, typed_email: str) -> str:
    """The page with what differs on every request (CSRF tokens) and what the attacker
    typed themselves (the e-mail address) taken out."""
    html = response.content.decode()
    html = re.sub(r"[A-Za-z0-9]{64}", "<token>", html)
    return html.replace(typed_email, "<typed e-mail>")


def test_customer_logs_in_by_email_whatever_its_case(client):
    customer = UserFactory.create(email="ann@example.com")

    response = _log_in(client, "ANN@Example.com", PASSWORD)

    assert response.status_code == 302
    assert response.url == "/account/"
    assert client.session["_auth_user_id"] == str(customer.pk)


def test_unverified_customer_gets_a_new_link_instead_of_a_session(client, django_capture_on_commit_callbacks):
    UserFactory.create(email="ursula@example.com", email_address__verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = _log_in(client, "ursula@example.com", PASSWORD)

    assert response.url == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert mail.outbox[-1].to == ["ursula@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[-1].body


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    UserFactory.create(email="ann@example.com")

    known = _log_in(client, "ann@example.com")
    unknown = _log_in(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 200
    assert "are not correct" in known.content.decode()
    assert _as_seen_by_an_attacker(known, "ann@example.com") == _as_seen_by_an_attacker(
        unknown, "nobody@example.com"
    )


def test_locked_out_account_and_unknown_email_get_the_same_answer(client):
    UserFactory.create(email="ann@example.com")
    for _ in range(LOCKOUT_AFTER):
        _log_in(client, "ann@example.com")
        _log_in(client, "nobody@example.com")

    locked = _log_in(client, "ann@example.com")
    unknown = _log_in(client, "nobody@example.com")

    assert "Too many failed login attempts. Try again in 15 minutes" in locked.content.decode()
    assert locked.status_code == unknown.status_code
    assert _as_seen_by_an_attacker(locked, "ann@example.com") == _as_seen_by_an_attacker(
        unknown, "nobody@example.com"
    )


def test_locked_out_account_refuses_even_the_right_password(client):
    UserFactory.create(email="ann@example.com")
    for _ in range(LOCKOUT_AFTER):
        _log_in(client, "ann@example.com")

    response = _log_in(client, "ann@example.com", PASSWORD)

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_out_of_one_account_leaves_the_others_alone(client):
    UserFactory.create(email="ann@example.com")
    UserFactory.create(email="bob@example.com")
    for _ in range(LOCKOUT_AFTER):
        _log_in(client, "ann@example.com")

    response = _log_in(client, "bob@example.com", PASSWORD)

    assert response.status_code == 302


def test_one_address_trying_many_accounts_is_stopped(client):
    UserFactory.create(email="ann@example.com")
    for number in range(20):  # ACCOUNT_RATE_LIMITS["login_failed"]: 20 per 15 minutes per IP
        _log_in(client, f"guess{number}@example.com")

    response = _log_in(client, "ann@example.com", PASSWORD)

    assert "Too many failed login attempts" in response.content.decode()


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks
):
    UserFactory.create(email="ann@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password/reset/", {"email": "ann@example.com"}, follow=True)
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain == [("/accounts/password/reset/done/", 302)]
    assert _as_seen_by_an_attacker(known, "ann@example.com") == _as_seen_by_an_attacker(
        unknown, "nobody@example.com"
    )
    # Each address gets a mail, so not even the mailbox of a third party tells them apart.
    (to_known, to_unknown) = mail.outbox
    assert to_known.to == ["ann@example.com"]
    assert "/accounts/password/reset/key/" in to_known.body
    assert to_unknown.to == ["nobody@example.com"]
    assert "/accounts/password/reset/key/" not in to_unknown.body


def test_password_reset_requests_for_one_address_are_limited(client, django_capture_on_commit_callbacks):
    UserFactory.create(email="ann@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            client.post("/accounts/password/reset/", {"email": "ann@example.com"}).status_code
            for _ in range(4)
        ]

    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3


def test_signing_up_with_a_taken_address_reveals_nothing(client, django_capture_on_commit_callbacks):
    UserFactory.create(email="ann@example.com")
    form = {
        "email": "ann@example.com",
        "password1": "a-sturdy-passphrase-42",
        "password2": "a-sturdy-passphrase-42",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", form)

    assert response.url == "/accounts/confirm-email/"  # as for a new address
    assert mail.outbox[-1].to == ["ann@example.com"]
    assert "already" in mail.outbox[-1].subject.lower()


def test_logging_out_needs_a_post(client):
    client.force_login(UserFactory.create())

    client.get("/accounts/logout/")
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_sign_up_errors_are_shown_next_to_their_fields_with_the_input_kept(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "nina@example.com", "password1": "short", "password2": "short", "full_name": "Nina"},
    )

    html = response.content.decode()
    assert '<ul class="errorlist" id="id_password1_error">' in html
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_password1"', html)
    assert 'value="nina@example.com"' in html
    assert 'value="Nina"' in html


def test_login_page_is_in_the_storefront_shell(client):
    html = client.get(LOGIN_URL).content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert '<form class="form" method="post" action="/accounts/login/">' in html
    assert 'class="input"' in html
    assert '<button class="button button--primary" type="submit">Log in</button>' in html


def test_a_stranger_locking_an_account_does_not_keep_its_owner_out(client):
    UserFactory.create(email="ann@example.com")
    stranger = type(client)(REMOTE_ADDR="203.0.113.9")
    for _ in range(LOCKOUT_AFTER + 2):
        _log_in(stranger, "ann@example.com")

    owner = type(client)(REMOTE_ADDR="198.51.100.7")
    response = _log_in(owner, "ann@example.com", PASSWORD)

    assert response.status_code == 302
    assert "Too many failed login attempts" in _log_in(stranger, "ann@example.com", PASSWORD).content.decode()


def test_the_owner_is_told_once_when_logins_from_an_address_are_paused(
    client, django_capture_on_commit_callbacks
):
    UserFactory.create(email="ann@example.com")
    stranger = type(client)(REMOTE_ADDR="203.0.113.9")

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(LOCKOUT_AFTER + 3):
            _log_in(stranger, "ann@example.com")

    (warning,) = [message for message in mail.outbox if "paused" in message.subject]
    assert warning.to == ["ann@example.com"]
    assert "203.0.113.9" in warning.body


def test_a_locked_unknown_address_sends_no_mail(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(LOCKOUT_AFTER + 1):
            _log_in(client, "nobody@example.com")

    assert mail.outbox == []


SHARED_ADDRESS = "203.0.113.50"  # an office or carrier NAT: the owner and a stranger look alike


def _device_that_logged_in_before(client, email: str = "ann@example.com"):
    device = type(client)(REMOTE_ADDR=SHARED_ADDRESS)
    assert _log_in(device, email, PASSWORD).status_code == 302
    device.post("/accounts/logout/")
    return device


def _stranger_fails_to_log_in_from_the_shared_address(client, email: str = "ann@example.com"):
    stranger = type(client)(REMOTE_ADDR=SHARED_ADDRESS)
    for _ in range(LOCKOUT_AFTER + 2):
        _log_in(stranger, email)
    return stranger


def test_owner_logs_in_from_a_known_device_behind_the_strangers_address(client):
    UserFactory.create(email="ann@example.com")
    device = _device_that_logged_in_before(client)
    stranger = _stranger_fails_to_log_in_from_the_shared_address(client)

    response = _log_in(device, "ann@example.com", PASSWORD)

    assert response.status_code == 302
    assert "Too many failed login attempts" in _log_in(stranger, "ann@example.com", PASSWORD).content.decode()


def test_a_known_device_gets_no_way_around_the_limit_for_its_own_failures(client):
    UserFactory.create(email="ann@example.com")
    device = _device_that_logged_in_before(client)
    for _ in range(LOCKOUT_AFTER):
        _log_in(device, "ann@example.com")

    assert "Too many failed login attempts" in _log_in(device, "ann@example.com", PASSWORD).content.decode()


def test_a_device_known_to_one_account_is_a_stranger_to_another(client):
    UserFactory.create(email="ann@example.com")
    UserFactory.create(email="bob@example.com")
    device = _device_that_logged_in_before(client, "bob@example.com")
    _stranger_fails_to_log_in_from_the_shared_address(client)

    assert "Too many failed login attempts" in _log_in(device, "ann@example.com", PASSWORD).content.decode()


def test_a_forged_known_device_cookie_is_ignored(client):
    from emporium.accounts.known_devices import COOKIE_NAME

    UserFactory.create(email="ann@example.com")
    device = _device_that_logged_in_before(client)
    value = device.cookies[COOKIE_NAME].value
    device.cookies[COOKIE_NAME] = value.replace("|", "|forged,", 1)
    _stranger_fails_to_log_in_from_the_shared_address(client)

    assert "Too many failed login attempts" in _log_in(device, "ann@example.com", PASSWORD).content.decode()


def test_the_known_device_cookie_is_long_lived_and_out_of_scripts_reach(client):
    from emporium.accounts.known_devices import COOKIE_NAME, MAX_AGE_SECONDS

    UserFactory.create(email="ann@example.com")

    _log_in(client, "ann@example.com", PASSWORD)

    cookie = client.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["max-age"] == MAX_AGE_SECONDS
    assert "ann@example.com" not in cookie.value
