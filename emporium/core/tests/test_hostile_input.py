"""Hostile input is refused with a 400, before any view parses it (issue 15, finding 3)."""

from __future__ import annotations

import json

import pytest

from emporium.core.hostile_input import json_nesting_depth

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.mark.parametrize(
    "url",
    ["/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/cart/lines/", "/api/v1/checkout/orders/"],
)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_a_400_problem_not_a_crash(client, url, body):
    response = client.post(url, body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "nest" in response.json()["detail"]


def test_json_as_deep_as_the_limit_still_reaches_the_view(client, settings):
    body = {"email": "x@example.com", "password": "y", "extra": json.loads("[" * 30 + "]" * 30)}

    response = client.post("/api/v1/auth/token/", body, content_type="application/json")

    assert response.status_code == 401  # the view answered: wrong credentials


def test_a_json_body_over_the_size_limit_is_a_413(client, settings):
    settings.JSON_BODY_MAX_BYTES = 1000

    response = client.post("/api/v1/auth/token/", {"email": "a" * 2000}, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_lone_surrogate_in_the_checkout_previews_country_is_a_400(client):
    body = '{"shipping_address": {"country": "\\ud800"}, "country": "\\ud800"}'

    response = client.post("/api/v1/checkout/preview/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_a_nul_in_a_json_field_is_a_400_naming_the_field(client):
    response = client.post(
        "/api/v1/auth/token/",
        '{"email": "a\\u0000@example.com", "password": "x"}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]


def test_an_emoji_written_as_a_surrogate_pair_and_an_escaped_backslash_are_text(client):
    body = '{"email": "\\ud83d\\ude00@example.com", "password": "\\\\u0000 \\\\ud800"}'

    response = client.post("/api/v1/auth/token/", body, content_type="application/json")

    assert response.json()["code"] != "malformed_request"  # the view answered


@pytest.mark.parametrize(
    "url",
    [
        "/checkout/orders/EMP%00123/",
        "/payments/orders/EMP%00123/",
        "/api/v1/checkout/orders/EMP%00123/",
        "/search/?q=lantern%00",
        "/c/gifts/?sort=%00",
    ],
)
def test_a_nul_byte_in_the_path_or_query_is_a_400(client, url):
    response = client.get(url)

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "]]"]', 1),
        ('["\\"[[["]', 1),
        ('[["unclosed [[[', 2),  # an unclosed string runs to the end
        ('\\"' * 50_000, 0),  # escaped quotes and no string: one linear pass
    ],
)
def test_json_nesting_depth_counts_brackets_outside_strings(text, depth):
    assert json_nesting_depth(text) == depth
