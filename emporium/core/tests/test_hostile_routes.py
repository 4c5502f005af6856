"""Every route, found by walking the URL configuration and the OpenAPI schema, answers hostile
input with a 4xx, never a 5xx. A new URL is covered the day it is added."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from emporium.accounts.tests.factories import UserFactory
from emporium.core.tests.url_walk import NUL, ROUTES, paths_for

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 3000 + "]" * 3000
BAD_TEXT_JSON = '{"email": "\\ud800", "country": "\\ud800", "number": "EMP\\u0000", "quantity": "\\udfff"}'
NUL_FORM = {
    "email": "a\x00@example.com",
    "q": "\x00",
    "variant": "1\x00",
    "quantity": "\x00",
    "country": "\x00",
}


def _probe(client: Client, path: str) -> list[tuple[str, str, int]]:
    answers = [
        ("GET", path, client.get(path).status_code),
        ("GET ?q=NUL", path, client.get(f"{path}?q={NUL}&page={NUL}&sort={NUL}").status_code),
        ("POST deep JSON", path, client.post(path, DEEP_JSON, content_type="application/json").status_code),
        (
            "POST bad text",
            path,
            client.post(path, BAD_TEXT_JSON, content_type="application/json").status_code,
        ),
        ("POST NUL form", path, client.post(path, NUL_FORM).status_code),
    ]
    return [answer for answer in answers if answer[2] >= 500]


@pytest.fixture
def customer_client() -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create())
    return client


def test_the_walk_finds_the_routes_it_must_cover():
    assert "api/v1/checkout/orders/{text}/" in ROUTES
    assert "checkout/orders/{text}/" in ROUTES
    assert len(ROUTES) > 100


def test_no_route_answers_hostile_input_with_a_server_error(customer_client):
    anonymous = Client(raise_request_exception=False)
    failures = [
        failure
        for template in ROUTES
        for path in paths_for(template)
        for client in (anonymous, customer_client)
        for failure in _probe(client, path)
    ]

    assert failures == []


def test_no_api_operation_answers_hostile_input_with_a_server_error(customer_client):
    schema = customer_client.get("/api/schema/", {"format": "json"}).json()
    failures = []
    for template, operations in schema["paths"].items():
        for path in {re.sub(r"\{[^}]+\}", "1", template), re.sub(r"\{[^}]+\}", f"EMP{NUL}1", template)}:
            for method in operations.keys() & {"get", "post", "put", "patch", "delete"}:
                send = getattr(customer_client, method)
                bodies = (DEEP_JSON, BAD_TEXT_JSON) if method in ("post", "put", "patch") else (None,)
                for body in bodies:
                    if body is None:
                        status = send(path).status_code
                    else:
                        status = send(path, body, content_type="application/json").status_code
                    if status >= 500:
                        failures.append((method, path, status))

    assert failures == []
