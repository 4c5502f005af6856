from collections import Counter

import pytest
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CsrfViewMiddleware
from django.test import RequestFactory
from scipy.stats import chisquare

from emporium.core.csrf import get_token, random_token_string


def _view(request):
    return HttpResponse("ok")


def _accepted(*, cookie: str, token: str) -> bool:
    """Whether Django's own CSRF check lets a POST with this cookie and token through."""
    request = RequestFactory().post("/", {"csrfmiddlewaretoken": token}, HTTP_HOST="testserver")
    request.COOKIES["csrftoken"] = cookie
    middleware = CsrfViewMiddleware(_view)
    middleware.process_request(request)
    return middleware.process_view(request, _view, (), {}) is None


def test_a_first_visitors_token_and_the_cookie_set_for_it_pass_djangos_check():
    request = RequestFactory().get("/")
    token = get_token(request)

    secret = request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True, "so CsrfViewMiddleware sets the cookie"
    assert len(secret) == 32
    assert len(token) == 64
    assert set(secret + token) <= set(CSRF_ALLOWED_CHARS)
    assert _accepted(cookie=secret, token=token)
    assert not _accepted(cookie=random_token_string(), token=token), "another visitor's cookie"


def test_a_returning_visitor_keeps_their_secret_and_gets_a_new_mask_on_every_page():
    secret = random_token_string()
    request = RequestFactory().get("/")
    request.COOKIES["csrftoken"] = secret
    CsrfViewMiddleware(_view).process_request(request)

    tokens = {get_token(request) for _ in range(20)}

    assert request.META["CSRF_COOKIE"] == secret
    assert len(tokens) == 20, "masked afresh each time (what keeps BREACH from reading the secret)"
    assert all(_accepted(cookie=secret, token=token) for token in tokens)


@pytest.mark.parametrize("length", [1, 32, 64, 500])
def test_random_strings_have_the_length_asked_for(length):
    assert len(random_token_string(length)) == length


def test_every_character_is_equally_likely():
    # Taking random bytes modulo 62 without dropping the top eight would make the first eight
    # characters a quarter more likely than the rest: a test of this size sees that at once.
    counts = Counter("".join(random_token_string(1000) for _ in range(200)))
    observed = [counts[char] for char in CSRF_ALLOWED_CHARS]

    assert sum(observed) == 200_000
    assert chisquare(observed).pvalue > 1e-6
