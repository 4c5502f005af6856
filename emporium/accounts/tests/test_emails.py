"""Account e-mails are rendered in the request and sent by a Celery task after the commit."""

import pytest
from django.core import mail
from django.db import transaction

from emporium.accounts.services import queue_email, send_email
from emporium.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_sign_up_mail_leaves_only_after_the_commit(client, django_capture_on_commit_callbacks):
    form = {
        "email": "nina@example.com",
        "password1": "a-sturdy-passphrase-42",
        "password2": "a-sturdy-passphrase-42",
    }

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/accounts/signup/", form)
        assert mail.outbox == []  # queued, not sent
    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert message.to == ["nina@example.com"]
    assert message.subject.startswith("Emporium: ")
    assert "Hello from Emporium!" in message.body
    assert "http://testserver/accounts/confirm-email/" in message.body


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    message = mail.EmailMessage("Subject", "Body", "shop@example.com", ["ann@example.com"])

    def fail_after_queueing() -> None:
        with transaction.atomic():
            queue_email(message=message)
            raise RuntimeError("the sign-up failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        fail_after_queueing()

    assert mail.outbox == []


def test_html_alternative_travels_with_the_message():
    send_email(
        subject="Hello",
        body="Plain",
        html_body="<p>Rich</p>",
        from_email="shop@example.com",
        to=["ann@example.com"],
    )

    (message,) = mail.outbox
    assert isinstance(message, mail.EmailMultiAlternatives)
    assert message.alternatives[0][0] == "<p>Rich</p>"


def test_password_change_notifies_the_customer(client, django_capture_on_commit_callbacks):
    customer = UserFactory.create(email="ann@example.com")
    client.force_login(customer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/password/change/",
            {
                "oldpassword": "correct-horse-battery",
                "password1": "a-sturdy-passphrase-42",
                "password2": "a-sturdy-passphrase-42",
            },
        )

    assert mail.outbox[-1].to == ["ann@example.com"]
    assert "password" in mail.outbox[-1].subject.lower()
