"""The limit on wrong gift card codes tried at checkout, shared by the storefront and the API.

A code is long and random, so a guess almost never finds a card; the limit keeps a script from
trying codes by the thousand (and from learning which cards exist). Wrong codes are counted per
client address and per cart (ACCOUNT_RATE_LIMITS["gift_card_code"]), in the cache like the
login limits, through allauth's rate limiter, as ``reviews.limits`` does. A code that works is
never counted, so a shopper who typed a few wrong ones is only held up if they go on guessing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from allauth.core.ratelimit import consume
from django.http import HttpRequest
from rest_framework.request import Request

from emporium.giftcards.codes import digest_code, normalize_code
from emporium.giftcards.exceptions import GiftCardNotApplicable, TooManyGiftCardCodes

ACTION = "gift_card_code"
# The live checkout summary sends the form again on every change, with the same code in it:
# on the storefront a wrong code is counted once in a row per browser session, not once per
# change elsewhere in the form.
LAST_WRONG_CODE_SESSION_KEY = "giftcards:last_wrong_code"


@contextmanager
def limiting_wrong_gift_card_codes(
    *, request: HttpRequest | Request, code: str, cart_key: str
) -> Iterator[None]:
    """Around a look-up of ``code`` at checkout (a preview or placing the order): refuse with
    :class:`TooManyGiftCardCodes` before looking up while this client or cart (``cart_key``)
    has no wrong codes left, and count ``code`` as wrong when the look-up refuses it
    (:class:`GiftCardNotApplicable`, re-raised for the caller to explain)."""
    if not normalize_code(code):
        yield  # no code typed: nothing to count
        return
    is_api = isinstance(request, Request)
    django_request = request._request if isinstance(request, Request) else request
    if not consume(django_request, action=ACTION, key=cart_key, dry_run=True):
        raise TooManyGiftCardCodes()
    try:
        yield
    except GiftCardNotApplicable:
        digest = digest_code(code)
        # The API's clients keep no session (a token, no cookie): each code they send counts.
        session = None if is_api else getattr(django_request, "session", None)
        if session is None or session.get(LAST_WRONG_CODE_SESSION_KEY) != digest:
            consume(django_request, action=ACTION, key=cart_key)
            if session is not None:
                session[LAST_WRONG_CODE_SESSION_KEY] = digest
        raise
