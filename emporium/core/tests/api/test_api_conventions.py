"""What every API answer shares: problem bodies, throttling, CORS, the schema and its docs."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.fields import Field
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from emporium.accounts.tests.factories import UserFactory
from emporium.core.tests.api_clients import bearer_client

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_urls_are_404_problems_not_html(method):
    response = getattr(APIClient(), method)("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_a_405_problem():
    response = APIClient().put("/api/v1/products/", {})

    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 405


def test_a_browser_asking_for_html_still_gets_json():
    response = Client().get("/api/v1/cart/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert response["Content-Type"] == PROBLEM


def test_unexpected_errors_are_500_problems(monkeypatch):
    def fail(**kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("emporium.catalog.api.views.list_category_tree", fail)
    response = APIClient().get("/api/v1/categories/")

    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert "boom" not in response.content.decode()


def test_a_lost_database_is_a_503_problem_that_says_to_retry(monkeypatch):
    from django.db import OperationalError

    def fail(**kwargs: object) -> None:
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("emporium.catalog.api.views.list_category_tree", fail)
    response = APIClient().get("/api/v1/categories/")

    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "database_unavailable"
    assert "administrator" not in response.content.decode()


def test_django_error_handlers_answer_problems_under_api_only(rf):
    from django.http import Http404

    from emporium.core.api import errors

    api = errors.page_not_found(rf.get("/api/v1/x/"), Http404())
    page = errors.server_error(rf.get("/api/v1/x/"))

    assert (api.status_code, api["Content-Type"]) == (404, PROBLEM)
    assert (page.status_code, page["Content-Type"]) == (500, PROBLEM)


def test_validation_errors_list_messages_per_field():
    response = APIClient().post("/api/v1/auth/token/", {"email": "not-an-address"}, format="json")

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"email", "password"}
    assert all(isinstance(messages, list) for messages in body["errors"].values())


def test_expired_access_token_is_a_401_problem():
    token = AccessToken.for_user(UserFactory.create())
    token.set_exp(lifetime=-timedelta(minutes=1))

    response = APIClient().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize("part", ["header", "payload", "signature"])
def test_tampered_access_token_is_a_401_problem(part):
    victim, attacker = UserFactory.create(), UserFactory.create()
    header, payload, signature = str(AccessToken.for_user(attacker)).split(".")
    forged_payload = str(AccessToken.for_user(victim)).split(".")[1]
    tampered = {
        "header": f"{header[:-2]}xx.{payload}.{signature}",
        "payload": f"{header}.{forged_payload}.{signature}",  # somebody else's claims, attacker's signature
        "signature": f"{header}.{payload}.{signature[::-1]}",
    }[part]

    response = APIClient().get("/api/v1/cart/", HTTP_AUTHORIZATION=f"Bearer {tampered}")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "token_not_valid"


def test_a_token_signed_with_another_key_is_refused():
    import jwt

    forged = jwt.encode(
        {"token_type": "access", "user_id": UserFactory.create().pk, "exp": 9999999999},
        "a-guessed-signing-key-of-decent-length",
    )

    response = APIClient().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "token_not_valid"


def test_too_many_requests_is_a_429_problem_with_retry_after(settings):
    settings.API_THROTTLE_ANON = "3/minute"
    client = APIClient()

    answers = [client.get("/api/v1/categories/") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1]["Content-Type"] == PROBLEM
    assert answers[-1].json()["code"] == "throttled"
    assert int(answers[-1]["Retry-After"]) > 0


def test_authenticated_clients_have_their_own_limit(settings):
    settings.API_THROTTLE_ANON = "1/minute"
    settings.API_THROTTLE_USER = "2/minute"
    client = APIClient()
    client.force_authenticate(UserFactory.create())

    assert [client.get("/api/v1/categories/").status_code for _ in range(3)] == [200, 200, 429]


def test_cors_allows_the_configured_origins_on_the_api_only(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]
    client = Client()

    api = client.get("/api/v1/categories/", HTTP_ORIGIN="https://app.example")
    other = client.get("/api/v1/categories/", HTTP_ORIGIN="https://evil.example")
    page = client.get("/healthz", HTTP_ORIGIN="https://app.example")
    preflight = client.options(
        "/api/v1/cart/",
        HTTP_ORIGIN="https://app.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, x-cart-token",
    )

    assert api["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Access-Control-Allow-Origin" not in other
    assert "Access-Control-Allow-Origin" not in page
    assert "x-cart-token" in preflight["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("header", ["x-cart-token", "x-order-token", "if-none-match", "authorization"])
def test_a_browser_app_may_send_the_apis_own_headers(settings, header):
    """A visitor's cart token and a guest's order token must pass a CORS preflight, or a browser
    app on another origin could not read a guest's order or pay it."""
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]

    preflight = Client().options(
        "/api/v1/payments/",
        HTTP_ORIGIN="https://app.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=f"content-type, {header}",
    )

    assert preflight.status_code == 200
    allowed = [name.strip() for name in preflight["Access-Control-Allow-Headers"].split(",")]
    assert header in allowed


def test_the_openapi_schema_describes_every_endpoint_with_problem_errors():
    response = Client().get("/api/schema/", {"format": "json"})

    schema = response.json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/products/" in schema["paths"]
    assert len(operations) > 30
    for operation in operations:
        for status in ("400", "401", "404", "429", "500"):
            assert "application/problem+json" in operation["responses"][status]["content"]
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"


def test_swagger_ui_is_served_from_our_own_static_files():
    response = Client().get("/api/docs/")

    assert response.status_code == 200
    assert b"/static/swagger-ui/swagger-ui-bundle.js" in response.content
    assert finders.find("swagger-ui/swagger-ui-bundle.js")  # collectstatic gathers it from node_modules


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


# --- Errors outside the happy path of a DRF view ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/api/v1/auth/token/", {}),  # DRF parses the body
        ("/api/v1/payments/webhooks/stripe/", {"HTTP_STRIPE_SIGNATURE": "t=1,v1=0"}),  # reads it raw
    ],
)
def test_a_body_larger_than_the_limit_is_a_413_problem(settings, url, headers):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"email": "ann@example.com", "password": "x" * 2_000})

    response = Client().post(url, data=body, content_type="application/json", **headers)

    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "request_too_large"


def test_a_body_within_the_limit_is_read(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"email": "ann@example.com", "password": "x" * 100})

    response = Client().post("/api/v1/auth/token/", data=body, content_type="application/json")

    assert response.status_code == 401  # read and checked: wrong credentials


def test_operations_with_a_body_document_the_413():
    schema = Client().get("/api/schema/", {"format": "json"}).json()

    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    listing = schema["paths"]["/api/v1/products/"]["get"]["responses"]
    assert PROBLEM in token["413"]["content"]
    assert "413" not in listing


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("post", "/api/schema/", 405),  # the view renders YAML when all is well
        ("get", "/api/schema/?format=xml", 404),
        ("post", "/api/docs/", 405),  # the view renders HTML when all is well
        ("delete", "/api/docs/", 405),
    ],
)
def test_the_schema_and_its_docs_answer_errors_as_problem_json(method, url, status):
    response = getattr(Client(), method)(url)

    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == status  # JSON, not YAML or text labelled as JSON


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_an_exception_outside_a_drf_view_is_a_500_problem_whatever_debug(debug, monkeypatch, caplog):
    """A middleware failing under /api/: Django's own answer (with DEBUG, its HTML debug page)
    becomes a problem, and the error is still logged with its traceback."""

    def fail(self: object, request: object) -> bool:
        raise RuntimeError("middleware broke")

    monkeypatch.setattr("emporium.accounts.middleware.StaffMFAMiddleware._must_enrol", fail)

    response = Client(raise_request_exception=False).get("/api/v1/categories/")

    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "server_error"
    assert b"middleware broke" not in response.content
    logged = [record.exc_info[1] for record in caplog.records if record.exc_info]
    assert [str(error) for error in logged] == ["middleware broke"]


def test_a_host_that_is_not_allowed_is_a_400_problem_whatever_debug(debug):
    response = Client(raise_request_exception=False).get("/api/v1/categories/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "bad_request"


def test_pages_outside_the_api_keep_djangos_error_pages(debug, monkeypatch):
    monkeypatch.setattr(
        "emporium.accounts.middleware.StaffMFAMiddleware._must_enrol",
        lambda self, request: (_ for _ in ()).throw(RuntimeError("middleware broke")),
    )

    response = Client(raise_request_exception=False).get("/healthz")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


# --- Cursor pages and what the schema says about parameters ----------------------------------


@pytest.mark.parametrize("page_size", ["0", "101", "ten", "2.5"])
def test_a_cursor_page_size_out_of_range_is_a_400_problem(page_size):
    client = APIClient()
    client.force_authenticate(UserFactory.create())

    response = client.get("/api/v1/account/orders/", {"page_size": page_size})

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == ["page_size"]


@pytest.mark.parametrize(("page_size", "expected"), [("", 24), ("1", 1), ("100", 100)])
def test_a_cursor_page_size_in_range_or_empty_is_used(page_size, expected):
    from emporium.orders.tests.factories import OrderFactory

    customer = UserFactory.create()
    OrderFactory.create_batch(101, customer=customer)
    client = APIClient()
    client.force_authenticate(customer)

    response = client.get("/api/v1/account/orders/", {"page_size": page_size})

    assert len(response.json()["results"]) == expected


def _cursor_at(position: str) -> str:
    """A cursor as DRF encodes one, pointing at ``position``: what a client could forge."""
    return base64.b64encode(urlencode({"o": 0, "p": position}).encode()).decode()


@pytest.mark.parametrize("position", ["garbage", "\u0000", "9" * 30])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/staff/products/",  # ordered by id
        "/api/v1/staff/orders/",  # by time placed
    ],
)
def test_a_forged_cursor_is_an_invalid_cursor_problem(settings, url, position):
    """A cursor's position is compared with the ordering field: text that cannot be one was a
    500 (an id) or a 400 quoting Django's message (a time); it is the invalid cursor it is."""
    settings.STAFF_MFA_REQUIRED = False
    staff = UserFactory.create(is_staff=True, is_superuser=True)

    response = bearer_client(staff).get(url, {"cursor": _cursor_at(position)})

    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)
    assert response.json()["detail"] == "Invalid cursor"


def test_a_cursor_from_a_next_link_still_pages(settings):
    from emporium.catalog.tests.factories import ProductFactory

    settings.STAFF_MFA_REQUIRED = False
    ProductFactory.create_batch(3)
    client = bearer_client(UserFactory.create(is_staff=True, is_superuser=True))

    first = client.get("/api/v1/staff/products/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 1


def test_the_schema_says_optional_query_parameters_may_be_sent_empty():
    """DRF reads ``?sort=`` as no sort given (the default), as HTML forms send empty fields."""
    schema = Client().get("/api/schema/", {"format": "json"}).json()

    parameters = schema["paths"]["/api/v1/products/"]["get"]["parameters"]
    query = {parameter["name"]: parameter for parameter in parameters if parameter["in"] == "query"}
    assert all(parameter["allowEmptyValue"] is True for parameter in query.values())
    assert {"sort", "page_size", "q"} <= set(query)
    response = APIClient().get("/api/v1/products/", {"sort": "", "page_size": ""})
    assert response.status_code == 200


def test_a_patch_body_is_partial_in_the_schema_only_where_the_view_validates_it_so():
    schema = Client().get("/api/schema/", {"format": "json"}).json()

    def patch_body(path: str) -> tuple[bool, list[str]]:
        body = schema["paths"][path]["patch"]["requestBody"]
        name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        return body.get("required", False), schema["components"]["schemas"][name].get("required", [])

    assert patch_body("/api/v1/cart/lines/{line_id}/") == (True, ["quantity"])  # validates the whole body
    assert patch_body("/api/v1/staff/products/{product_id}/") == (False, [])  # partial=True


# --- Decimal text in the schema ----------------------------------------------------------------


def _decimal_input(name: str) -> tuple[str, Field[Any, Any, Any, Any]]:
    """A decimal a client sends: its pattern in the served schema, and the field that reads it."""
    from emporium.catalog.api.serializers import ProductListFilters
    from emporium.catalog.api.staff_serializers import StaffVariantInput
    from emporium.orders.api.serializers import RefundOrderInput

    schema = Client().get("/api/schema/", {"format": "json"}).json()
    variant_input = schema["components"]["schemas"]["StaffVariantInputRequest"]["properties"]
    refund_input = schema["components"]["schemas"]["RefundOrderInputRequest"]["properties"]
    listing = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    described, field = {
        "price_min": (listing["price_min"], ProductListFilters().fields["price_min"]),
        "price_amount": (variant_input["price_amount"], StaffVariantInput().fields["price_amount"]),
        "compare_at_amount": (
            variant_input["compare_at_amount"],
            StaffVariantInput().fields["compare_at_amount"],
        ),
        "refund amount": (refund_input["amount"], RefundOrderInput().fields["amount"]),
    }[name]
    return str(described["pattern"]), field


@pytest.mark.parametrize("name", ["price_min", "price_amount", "compare_at_amount", "refund amount"])
def test_every_decimal_text_the_schema_allows_is_one_the_api_accepts(name):
    """drf-spectacular's own pattern for decimal text also matches "", "." and "-", and negative
    amounts where the field has a minimum: a client built from the schema would send them and
    be refused."""
    pattern, field = _decimal_input(name)

    @given(text=st.from_regex(pattern, fullmatch=True))
    @hypothesis_settings(max_examples=200, database=None)
    def accepted(text: str) -> None:
        field.run_validation(text)  # raises ValidationError when refused

    accepted()


@pytest.mark.parametrize(
    ("name", "refused"),
    [("price_min", "-1"), ("price_amount", "-0.01"), ("refund amount", "0"), ("refund amount", "0.00")],
)
def test_decimal_text_below_the_minimum_is_outside_the_schema(name, refused):
    pattern, _ = _decimal_input(name)

    assert re.fullmatch(pattern, refused) is None
