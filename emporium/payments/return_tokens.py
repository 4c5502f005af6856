"""The token on the return page address the API gives Stripe.

A customer who pays through an app (the API) and whose bank asks for a confirmation step is
sent by Stripe to our return page in a browser with no session and no login of ours: the app's
guest holds an X-Order-Token and its customer a JWT, neither of which a redirect can carry. So
the API signs the payment into the return address (``?token=``). The token opens that one
payment's return page, and the order's status page in that browser after it, for a day; a
token altered, expired or made for another payment opens nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

from emporium.payments.models import Payment

RETURN_TOKEN_SALT = "emporium.payments.return-token"
RETURN_TOKEN_MAX_AGE = timedelta(days=1)


def make_return_token(*, payment: Payment) -> str:
    return signing.dumps([payment.pk, payment.order.number], salt=RETURN_TOKEN_SALT)


def is_return_token_of(*, token: str | None, payment_id: int, order_number: str) -> bool:
    if not token:
        return False
    try:
        signed = signing.loads(token, salt=RETURN_TOKEN_SALT, max_age=RETURN_TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one too
        return False
    return signed == [payment_id, order_number]
