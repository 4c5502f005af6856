"""schemathesis against the live OpenAPI schema: every operation, generated inputs, no 5xx,
and every answer (status, content type, body) as the schema says.

The schema is loaded from /api/schema/ of the WSGI application and requests go through it in
this process, on the test database: the same app gunicorn serves, without a socket. Requests
carry a staff member's access token, so the staff endpoints run their code too; that user is
also a customer with a cart, an order and an address, so the customer endpoints have data.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from emporium.accounts.tests.factories import AddressFactory, StaffUserFactory
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.checkout.tests.factories import ShippingMethodFactory
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

# Enough examples to reach past the happy path of each operation, few enough for CI (a minute or two).
MAX_EXAMPLES = 25


# The coverage phase (every boundary value of every parameter) takes minutes per operation on
# PostgreSQL; generated examples (Hypothesis, MAX_EXAMPLES each) plus the schema's own keep CI short.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})

# Loaded once at collection: the schema view needs no database. One test per operation follows.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


@pytest.fixture(autouse=True)
def _api_settings(settings: Any) -> Iterator[None]:  # pytest-django's settings wrapper
    settings.API_THROTTLE_ANON = ""  # generated requests come fast; throttling has its own test
    settings.API_THROTTLE_USER = ""
    settings.STAFF_MFA_REQUIRED = False
    settings.ALLOWED_HOSTS = ["*"]
    # Requests run inside the test's transaction: Django must not close the connection after each
    # (its own test client switches this off the same way).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(db: None) -> dict[str, str]:
    staff = StaffUserFactory.create(is_superuser=True)
    category = CategoryFactory.create(slug="home")
    product = make_product("Tin lantern", category=category, slug="tin-lantern", price="4.95")
    CartLineFactory.create(
        cart=CartFactory.create(customer=staff, token=None), variant=product.variants.get()
    )
    AddressFactory.create(customer=staff)
    ShippingMethodFactory.create(price_amount=Decimal("3.95"))
    order = OrderFactory.create(customer=staff, number="EM-000001")
    OrderLineFactory.create(order=order, variant=product.variants.get())
    return {"Authorization": f"Bearer {AccessToken.for_user(staff)}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_every_operation_answers_as_its_schema_says(
    db: None, case: schemathesis.Case, auth_headers: dict[str, str]
) -> None:
    case.call_and_validate(
        headers=auth_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
