"""schemathesis against the live OpenAPI schema, over real HTTP: every operation, no 5xx, and
every answer (status, content type, headers, body) as the schema says.

Requests go through a socket to a live server (pytest-django's ``live_server``), as an app's
would. The operations are the schema /api/schema/ serves, read through the app once at
collection so that each operation is a test of its own, and
``test_the_live_server_serves_the_schema_under_test`` checks that the running server serves
exactly that schema. (schemathesis can also load a schema from a fixture, but its loader for
that renames pytest items through an attribute pytest 9.2 no longer has.) Each operation is
reached three ways:

- **Its success path, with real data** (``test_every_operation_succeeds_with_real_data``): one
  request per operation made from fresh rows (``SUCCESS``): the customer's own address, an
  unpaid order for ``pay``, a shipped one for ``deliver``, a visitor's cart token, a guest's
  order token, a signed webhook ... An operation of the schema without one fails, as does a
  success path that no longer answers 2xx, so the success bodies are always checked too.
- **Generated requests** (Hypothesis, valid and invalid data): random values, and in about half
  of the valid ones the ids, numbers, slugs and tokens of rows that exist (``flatmap_case``),
  some of them another customer's, so random bodies meet real resources and foreign ones.
- **The coverage phase**: boundary values, missing and wrong-typed parameters, and methods
  the schema does not list.

Each request carries the credentials its operation is for: staff with the role that grants it
(order manager, catalog manager; an analyst for staff reads), the customer for the customer's
endpoints, and nothing for a visitor with an ``X-Cart-Token`` or a guest with an
``X-Order-Token``. Every check schemathesis has runs on every answer.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
import requests
import schemathesis
from allauth.account.models import EmailConfirmationHMAC
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from PIL import Image
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.mutations import Mutation, OperatorKind
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario, TestPhase
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import ignored_auth

from emporium.accounts.models import Address, User
from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, INTEGRATION_MANAGER, ORDER_MANAGER, StaffRole
from emporium.accounts.tests.factories import (
    AddressFactory,
    EmailAddressFactory,
    StaffUserFactory,
    UserFactory,
)
from emporium.analytics.services import rebuild_all_rollups
from emporium.cart.models import Cart, CartLine
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.models import Category, Product, Variant
from emporium.catalog.tests.factories import CategoryFactory, ProductTypeFactory, make_product
from emporium.checkout.models import ShippingMethod
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import (
    ShippingMethodFactory,
    TaxRateFactory,
    make_address,
    make_details,
)
from emporium.orders.models import Order
from emporium.orders.services import (
    make_guest_order_token,
    mark_order_fulfilled,
    mark_order_paid,
    mark_order_shipped,
)
from emporium.payments.gateways.offline import CARD_SUCCEEDS, sign_payload
from emporium.payments.models import Payment
from emporium.payments.services import confirm_payment, start_payment
from emporium.returns.models import Return
from emporium.returns.services import ReturnItem, approve_return, receive_return, request_return
from emporium.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEventType
from emporium.webhooks.services import emit, fan_out_webhook_events
from emporium.webhooks.tests.factories import WebhookEndpointFactory

PASSWORD = "correct-horse-battery"  # UserFactory's
CUSTOMER_EMAIL = "schema-customer@example.com"
WEBHOOK_SECRETS = {"stripe": "whsec_schema_test_stripe", "offline": "whsec_schema_test_offline"}

# Generated requests per operation, besides its coverage cases. Enough to get past validation
# into real rows now and then, few enough for CI, which runs this file twice.
MAX_EXAMPLES = 15
FUZZ_TEST = "test_every_operation_answers_as_its_schema_says"

CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": True}},
        # Valid and invalid data, NUL characters included: DRF refuses them in text fields, but
        # free-form JSON took them to PostgreSQL, which cannot store them (a 500). No generated
        # credentials: each request carries the real ones of the identity its operation is for
        # (``credentials_for``).
        "generation": {"mode": "all", "allow-x00": True, "with-security-parameters": False},
        "checks": {
            # Valid data may still name a row that does not exist (404) or meet the state of the
            # shop (409: out of stock, an order already paid ...). Any other refusal of valid data
            # fails, unless ``REFUSED_PROBLEMS`` or ``CHECKED_AGAINST_THE_SHOP`` explains it. A
            # catalog read's If-None-Match header (``*`` or the current ETag) rightly gets a 304
            # (RFC 9110, 13.1.2): the client's copy is current.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "304", "404", "409"]},
        },
    }
)


def _served_schema() -> dict[str, Any]:
    """What /api/schema/ serves, read through the app at collection (no database needed)."""
    # Before the test run sets up, the test client's host is not yet an allowed one.
    response = Client(HTTP_HOST="localhost").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content
    return dict(response.json())


schema = schemathesis.openapi.from_dict(_served_schema(), config=CONFIG)
# A part of the schema schemathesis cannot read fails here, at collection.
OPERATIONS = sorted(result.ok().label for result in schema.get_all_operations())  # type: ignore[union-attr]


# --- The shop the requests meet ------------------------------------------------------------------


def _staff(role: StaffRole) -> User:
    user = StaffUserFactory.create()
    user.groups.add(Group.objects.get(name=role.name))
    return user


def _bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


@dataclass
class Shop:
    """The people who use the API, the catalog they buy from, and ways to make more rows."""

    customer: User
    order_manager: User
    catalog_manager: User
    analyst: User
    integration_manager: User
    superuser: User  # gift cards are money: no staff role holds them (a shop may make a group)
    category: Category
    product: Product
    shipping_method: ShippingMethod

    def fresh_variant(self) -> Variant:
        return make_product("Tin lantern", category=self.category, price="4.95", stock=50).variants.get()

    def customer_cart(self) -> Cart:
        cart, _ = Cart.objects.get_or_create(customer=self.customer, defaults={"token": None})
        return cart

    def visitor_cart(self, *, lines: int = 1) -> Cart:
        cart = CartFactory.create()
        for _ in range(lines):
            CartLineFactory.create(cart=cart, variant=self.fresh_variant())
        return cart

    def order(self, *, customer: User | None, status: str = "unpaid") -> Order:
        """An order placed through checkout (its stock reserved), moved on by the orders services."""
        order = place_order(
            cart=self.visitor_cart(),
            customer=customer,
            details=make_details(shipping_method=self.shipping_method),
            idempotency_key=uuid.uuid4(),
        )
        if status in ("paid", "fulfilled", "shipped"):
            order = mark_order_paid(order=order)
        if status in ("fulfilled", "shipped"):
            order = mark_order_fulfilled(order=order)
        if status == "shipped":
            order = mark_order_shipped(order=order, tracking_number="RM123")
        return order

    def shipped_paid_order(self) -> Order:
        """The customer's order, paid with the test card (so its money can go back) and shipped."""
        order = self.order(customer=self.customer)
        confirm_payment(
            payment=start_payment(order=order, gateway_name="offline"), details={"card_number": CARD_SUCCEEDS}
        )
        order.refresh_from_db()
        order = mark_order_fulfilled(order=order)
        return mark_order_shipped(order=order, tracking_number="RM456")

    def customer_return(self, *, step: str = "requested") -> Return:
        """A return of one unit of the customer's shipped order, moved on to ``step``."""
        order = self.shipped_paid_order()
        line = order.lines.get()
        asked = request_return(
            order=order,
            items=[ReturnItem(order_line_id=line.pk, quantity=1, reason="changed_mind")],
            actor=self.customer,
        )
        if step in ("approved", "received"):
            asked = approve_return(return_request=asked)
        if step == "received":
            asked = receive_return(return_request=asked, resaleable={})
        return asked

    def payment(self, *, customer: User | None) -> Payment:
        return start_payment(order=self.order(customer=customer), gateway_name="offline")

    def webhook_delivery(self) -> WebhookDelivery:
        """A delivery to an endpoint on a port nobody listens on (nothing is sent in this test)."""
        endpoint = WebhookEndpointFactory.create(event_types=[WebhookEventType.ORDER_PAID])
        event = emit(event_type=WebhookEventType.ORDER_PAID, payload={"number": "EMP-SCHEMA"})
        assert event is not None
        fan_out_webhook_events(event_ids=[event.pk])
        return WebhookDelivery.objects.get(event=event, endpoint=endpoint)


@pytest.fixture
def shop(transactional_db: None, live_server: Any, settings: Any, tmp_path: Any) -> Shop:
    """A customer with addresses, a cart, orders and a payment; a guest's order; another
    customer's rows; staff in each role. The live server shares the test database."""
    settings.API_THROTTLE_ANON = ""  # generated requests come fast; throttling has its own tests
    settings.API_THROTTLE_USER = ""
    settings.STAFF_MFA_REQUIRED = False  # the roles are what this checks; two factors have their own tests
    settings.MEDIA_ROOT = tmp_path  # uploaded pictures
    settings.PAYMENT_GATEWAYS = ["offline", "bank_transfer", "cash_on_delivery"]
    settings.OFFLINE_GATEWAY_WEBHOOK_SECRET = WEBHOOK_SECRETS["offline"]
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRETS["stripe"]
    TaxRateFactory.create(country="GB", rate=Decimal("0.2000"))
    category = CategoryFactory.create(name="Home", slug="home")
    product = make_product("Brass clock", category=category, slug="brass-clock", price="24.00", stock=50)
    shop = Shop(
        customer=UserFactory.create(email=CUSTOMER_EMAIL),
        order_manager=_staff(ORDER_MANAGER),
        catalog_manager=_staff(CATALOG_MANAGER),
        analyst=_staff(ANALYST),
        integration_manager=_staff(INTEGRATION_MANAGER),
        superuser=StaffUserFactory.create(is_superuser=True),
        category=category,
        product=product,
        shipping_method=ShippingMethodFactory.create(price_amount=Decimal("3.95")),
    )
    stranger = UserFactory.create()
    for owner in (shop.customer, stranger):
        AddressFactory.create(customer=owner)
        shop.payment(customer=owner)
    shop.order(customer=shop.customer, status="paid")
    shop.payment(customer=None)  # a guest's order and payment
    shop.order(customer=None, status="shipped")
    CartLineFactory.create(cart=shop.customer_cart(), variant=shop.fresh_variant())
    shop.visitor_cart()
    shop.webhook_delivery()
    return shop


# --- Who sends each request -----------------------------------------------------------------------


def credentials_for(case: schemathesis.Case, shop: Shop) -> dict[str, str]:
    """The identity an operation is for; none for visitors and guests, who prove with a token."""
    path, method = case.operation.path, case.method.upper()
    if path.startswith("/api/v1/analytics/"):
        return _bearer(shop.analyst)  # the shop's figures: what the Analyst role is for
    if path.startswith(("/api/v1/staff/gift-cards/", "/api/v1/staff/promotions/")):
        return _bearer(shop.superuser)  # money and prices: no standard role holds them
    if path.startswith("/api/v1/staff/"):
        if method == "GET":
            return _bearer(shop.analyst)  # reading is what the Analyst role is for
        if path.startswith("/api/v1/staff/orders/"):
            return _bearer(shop.order_manager)
        return _bearer(shop.catalog_manager)
    if path.startswith("/api/v1/returns/{return_id}/") and path != "/api/v1/returns/{return_id}/":
        return _bearer(shop.order_manager)  # approve, refuse, receive, refund: the returns desk
    if path.startswith("/api/v1/webhooks/"):
        return _bearer(shop.integration_manager)  # endpoints carry secrets: a role of their own
    if path.startswith("/api/v1/payments/webhooks/"):
        return {}  # providers prove themselves with a signature
    if "X-Order-Token" in case.headers or "X-Cart-Token" in case.headers:
        return {}
    return _bearer(shop.customer)


# --- The success path of every operation -----------------------------------------------------------

CaseData = dict[str, Any]
SUCCESS: dict[str, Callable[[Shop], CaseData]] = {}


def success(label: str) -> Callable[[Callable[[Shop], CaseData]], Callable[[Shop], CaseData]]:
    def register(build: Callable[[Shop], CaseData]) -> Callable[[Shop], CaseData]:
        SUCCESS[label] = build
        return build

    return register


def _address_body(**overrides: Any) -> dict[str, Any]:
    fields = ("full_name", "company", "line1", "line2", "city", "region", "postcode", "country", "phone")
    address = make_address(**overrides)
    return {name: address[name] for name in fields}


@success("GET /api/v1/returns/")
def _(shop: Shop) -> CaseData:
    shop.customer_return()
    return {}


@success("POST /api/v1/returns/")
def _(shop: Shop) -> CaseData:
    order = shop.shipped_paid_order()
    lines = [{"order_line_id": order.lines.get().pk, "quantity": 1, "reason": "damaged"}]
    return {"body": {"order_number": order.number, "lines": lines}}


@success("GET /api/v1/returns/{return_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"return_id": shop.customer_return().pk}}


@success("POST /api/v1/returns/{return_id}/approve/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"return_id": shop.customer_return().pk}}


@success("POST /api/v1/returns/{return_id}/refuse/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"return_id": shop.customer_return().pk}, "body": {"note": "Worn."}}


@success("POST /api/v1/returns/{return_id}/receive/")
def _(shop: Shop) -> CaseData:
    asked = shop.customer_return(step="approved")
    return {
        "path_parameters": {"return_id": asked.pk},
        "body": {"resaleable_line_ids": [asked.lines.get().pk]},
    }


@success("POST /api/v1/returns/{return_id}/refund/")
def _(shop: Shop) -> CaseData:
    return {
        "path_parameters": {"return_id": shop.customer_return(step="received").pk},
        "body": {"refund_shipping": True},
    }


@success("GET /api/v1/account/addresses/")
def _(shop: Shop) -> CaseData:
    return {}


@success("POST /api/v1/account/addresses/")
def _(shop: Shop) -> CaseData:
    return {"body": _address_body(full_name="Ann Added")}


@success("GET /api/v1/account/addresses/{address_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"address_id": AddressFactory.create(customer=shop.customer).pk}}


@success("PUT /api/v1/account/addresses/{address_id}/")
def _(shop: Shop) -> CaseData:
    address = AddressFactory.create(customer=shop.customer)
    return {"path_parameters": {"address_id": address.pk}, "body": _address_body(city="Bath")}


@success("DELETE /api/v1/account/addresses/{address_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"address_id": AddressFactory.create(customer=shop.customer).pk}}


@success("GET /api/v1/account/orders/")
def _(shop: Shop) -> CaseData:
    return {"query": {"page_size": 1}}


@success("GET /api/v1/account/orders/{number}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"number": shop.order(customer=shop.customer, status="paid").number}}


@success("POST /api/v1/auth/logout/")
def _(shop: Shop) -> CaseData:
    return {"body": {"refresh": str(RefreshToken.for_user(UserFactory.create()))}}


@success("GET /api/v1/auth/me/")
def _(shop: Shop) -> CaseData:
    return {}


@success("POST /api/v1/auth/register/")
def _(shop: Shop) -> CaseData:
    return {
        "body": {"email": f"new-{uuid.uuid4().hex[:8]}@example.com", "password": "a-sturdy-passphrase-42"}
    }


@success("POST /api/v1/auth/token/")
def _(shop: Shop) -> CaseData:
    return {"body": {"email": UserFactory.create().email, "password": PASSWORD}}


@success("POST /api/v1/auth/token/refresh/")
def _(shop: Shop) -> CaseData:
    return {"body": {"refresh": str(RefreshToken.for_user(UserFactory.create()))}}


@success("POST /api/v1/auth/verify-email/")
def _(shop: Shop) -> CaseData:
    address = EmailAddressFactory.create(user=UserFactory.create(email_address=None), verified=False)
    return {"body": {"key": EmailConfirmationHMAC(address).key}}


@success("GET /api/v1/cart/")
def _(shop: Shop) -> CaseData:
    return {"headers": {"X-Cart-Token": str(shop.visitor_cart().token)}}


@success("POST /api/v1/cart/lines/")
def _(shop: Shop) -> CaseData:
    return {
        "headers": {"X-Cart-Token": str(CartFactory.create().token)},
        "body": {"variant_id": shop.fresh_variant().pk, "quantity": 2},
    }


@success("PATCH /api/v1/cart/lines/{line_id}/")
def _(shop: Shop) -> CaseData:
    line = CartLineFactory.create(cart=shop.customer_cart(), variant=shop.fresh_variant())
    return {"path_parameters": {"line_id": line.pk}, "body": {"quantity": 3}}


@success("DELETE /api/v1/cart/lines/{line_id}/")
def _(shop: Shop) -> CaseData:
    line = CartLineFactory.create(cart=shop.customer_cart(), variant=shop.fresh_variant())
    return {"path_parameters": {"line_id": line.pk}}


@success("POST /api/v1/carts/")
def _(shop: Shop) -> CaseData:
    return {}


@success("GET /api/v1/categories/")
def _(shop: Shop) -> CaseData:
    return {}


@success("GET /api/v1/categories/{slug}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"slug": shop.category.slug}}


@success("POST /api/v1/checkout/orders/")
def _(shop: Shop) -> CaseData:
    return {  # a guest: the answer carries its order token
        "headers": {"X-Cart-Token": str(shop.visitor_cart(lines=2).token)},
        "body": {
            "email": "guest@example.com",
            "shipping_address": _address_body(),
            "shipping_method_id": shop.shipping_method.pk,
            "idempotency_key": str(uuid.uuid4()),
        },
    }


@success("GET /api/v1/checkout/orders/{number}/")
def _(shop: Shop) -> CaseData:
    order = shop.order(customer=None)
    return {
        "path_parameters": {"number": order.number},
        "headers": {"X-Order-Token": make_guest_order_token(order=order)},
    }


@success("POST /api/v1/checkout/preview/")
def _(shop: Shop) -> CaseData:
    cart = shop.visitor_cart()
    return {
        "headers": {"X-Cart-Token": str(cart.token)},
        "body": {
            "email": "visitor@example.com",
            "shipping_address": _address_body(),
            "shipping_method_id": shop.shipping_method.pk,
        },
    }


@success("GET /api/v1/checkout/shipping-methods/")
def _(shop: Shop) -> CaseData:
    return {"query": {"country": "GB"}}


@success("GET /api/v1/payments/")
def _(shop: Shop) -> CaseData:
    return {}


@success("POST /api/v1/payments/")
def _(shop: Shop) -> CaseData:
    order = shop.order(customer=shop.customer)
    return {"body": {"order_number": order.number, "gateway": "offline"}}


@success("GET /api/v1/payments/{payment_id}/")
def _(shop: Shop) -> CaseData:
    payment = shop.payment(customer=None)
    return {
        "path_parameters": {"payment_id": payment.pk},
        "headers": {"X-Order-Token": make_guest_order_token(order=payment.order)},
    }


@success("POST /api/v1/payments/{payment_id}/confirm/")
def _(shop: Shop) -> CaseData:
    payment = shop.payment(customer=shop.customer)
    return {"path_parameters": {"payment_id": payment.pk}, "body": {"card_number": CARD_SUCCEEDS}}


def _signed_event(gateway: str) -> CaseData:
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": "customer.created",  # an event we take and record, naming no payment
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    # The body goes out as requests serialises JSON: json.dumps with its default separators.
    signature = sign_payload(json.dumps(event), WEBHOOK_SECRETS[gateway])
    return {"headers": {"Stripe-Signature": signature}, "body": event}


@success("POST /api/v1/payments/webhooks/offline/")
def _(shop: Shop) -> CaseData:
    return _signed_event("offline")


@success("POST /api/v1/payments/webhooks/stripe/")
def _(shop: Shop) -> CaseData:
    return _signed_event("stripe")


@success("GET /api/v1/products/")
def _(shop: Shop) -> CaseData:
    return {"query": {"category": shop.category.slug, "sort": "price-asc", "page_size": 2}}


@success("GET /api/v1/products/{slug}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"slug": shop.product.slug}}


def _recommended(shop: Shop) -> Any:
    """The active model version (one at most), and a fresh in-stock product for it to recommend."""
    from emporium.recommendations.models import ModelVersion
    from emporium.recommendations.tests.factories import ModelVersionFactory

    version = ModelVersion.objects.filter(is_active=True).first() or ModelVersionFactory.create()
    return version, make_product("Tin star", category=shop.category, price="2.95", stock=5)


@success("GET /api/v1/recommendations/popular/")
def _(shop: Shop) -> CaseData:
    from emporium.recommendations.tests.factories import PopularProductFactory

    version, product = _recommended(shop)
    PopularProductFactory.create(version=version, product=product, rank=1)
    return {"query": {"limit": 4}}


@success("GET /api/v1/recommendations/me/")
def _(shop: Shop) -> CaseData:
    from emporium.recommendations.tests.factories import CustomerRecommendationFactory

    version, product = _recommended(shop)
    CustomerRecommendationFactory.create(version=version, customer=shop.customer, product=product, rank=1)
    return {"query": {"kind": "for_you", "limit": 4}}


@success("GET /api/v1/recommendations/products/{product_id}/also-bought/")
def _(shop: Shop) -> CaseData:
    from emporium.recommendations.tests.factories import ProductNeighbourFactory

    version, product = _recommended(shop)
    ProductNeighbourFactory.create(version=version, product=shop.product, neighbour=product, rank=1)
    return {"path_parameters": {"product_id": shop.product.pk}}


def _bought_product(shop: Shop) -> Any:
    """A fresh product the shop's customer has a paid order for, so they may review it."""
    from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

    variant = shop.fresh_variant()
    order = OrderFactory.create(customer=shop.customer, email=shop.customer.email, status="delivered")
    OrderLineFactory.create(order=order, variant=variant)
    return variant.product


@success("GET /api/v1/products/{slug}/reviews/")
def _(shop: Shop) -> CaseData:
    from emporium.reviews.tests.factories import ReviewFactory

    ReviewFactory.create(product=shop.product)
    return {"path_parameters": {"slug": shop.product.slug}, "query": {"sort": "newest", "page_size": 5}}


@success("POST /api/v1/products/{slug}/reviews/")
def _(shop: Shop) -> CaseData:
    product = _bought_product(shop)
    return {
        "path_parameters": {"slug": product.slug},
        "body": {"rating": 5, "title": "Lovely", "body": "As shown."},
    }


@success("POST /api/v1/reviews/{review_id}/helpful/")
def _(shop: Shop) -> CaseData:
    from emporium.reviews.tests.factories import ReviewFactory

    return {"path_parameters": {"review_id": ReviewFactory.create(product=shop.product).pk}}


@success("GET /api/v1/wishlist/")
def _(shop: Shop) -> CaseData:
    from emporium.wishlist.models import WishlistItem

    WishlistItem.objects.get_or_create(customer=shop.customer, product=shop.product)
    return {"query": {"page_size": 5}}


@success("POST /api/v1/wishlist/")
def _(shop: Shop) -> CaseData:
    return {"body": {"product_id": shop.fresh_variant().product_id}}


@success("DELETE /api/v1/wishlist/{product_id}/")
def _(shop: Shop) -> CaseData:
    from emporium.wishlist.models import WishlistItem

    item = WishlistItem.objects.create(customer=shop.customer, product=shop.fresh_variant().product)
    return {"path_parameters": {"product_id": item.product_id}}


@success("GET /api/v1/staff/orders/")
def _(shop: Shop) -> CaseData:
    return {"query": {"status": "paid", "page_size": 2}}


@success("GET /api/v1/staff/orders/{number}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"number": shop.order(customer=shop.customer, status="paid").number}}


def _transition(status: str, body: dict[str, Any]) -> Callable[[Shop], CaseData]:
    def build(shop: Shop) -> CaseData:
        return {"path_parameters": {"number": shop.order(customer=None, status=status).number}, "body": body}

    return build


success("POST /api/v1/staff/orders/{number}/pay/")(_transition("unpaid", {"note": "Paid by bank transfer"}))
success("POST /api/v1/staff/orders/{number}/fulfil/")(_transition("paid", {}))
success("POST /api/v1/staff/orders/{number}/ship/")(_transition("fulfilled", {"tracking_number": "RM123"}))
success("POST /api/v1/staff/orders/{number}/deliver/")(_transition("shipped", {}))
success("POST /api/v1/staff/orders/{number}/cancel/")(_transition("unpaid", {"reason": "Asked to"}))
success("POST /api/v1/staff/orders/{number}/refund/")(_transition("paid", {"note": "Returned"}))


@success("GET /api/v1/staff/products/")
def _(shop: Shop) -> CaseData:
    return {"query": {"q": "clock", "published": "true", "category": shop.category.slug, "page_size": 5}}


@success("POST /api/v1/staff/products/")
def _(shop: Shop) -> CaseData:
    slug = f"new-{uuid.uuid4().hex[:8]}"
    return {"body": {"category": shop.category.slug, "name": "Copper kettle", "slug": slug}}


@success("GET /api/v1/staff/products/{product_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"product_id": shop.fresh_variant().product_id}}


@success("PATCH /api/v1/staff/products/{product_id}/")
def _(shop: Shop) -> CaseData:
    return {
        "path_parameters": {"product_id": shop.fresh_variant().product_id},
        "body": {"is_published": False},
    }


@success("POST /api/v1/staff/products/{product_id}/variants/")
def _(shop: Shop) -> CaseData:
    sku = f"SKU-{uuid.uuid4().hex[:8]}"
    return {
        "path_parameters": {"product_id": shop.fresh_variant().product_id},
        "body": {"sku": sku, "price_amount": "6.50", "stock_on_hand": 4},
    }


@success("POST /api/v1/staff/products/{product_id}/images/")
def _(shop: Shop) -> CaseData:
    picture = BytesIO()
    Image.new("RGB", (8, 6), "teal").save(picture, format="PNG")
    return {
        "path_parameters": {"product_id": shop.fresh_variant().product_id},
        "body": {"image": picture.getvalue(), "alt_text": "A tin lantern"},
        "media_type": "multipart/form-data",
    }


@success("PATCH /api/v1/staff/variants/{variant_id}/")
def _(shop: Shop) -> CaseData:
    variant = shop.fresh_variant()
    return {"path_parameters": {"variant_id": variant.pk}, "body": {"price_amount": "3.00"}}


@success("GET /api/v1/staff/product-types/")
def _(shop: Shop) -> CaseData:
    ProductTypeFactory.create()
    return {}


@success("GET /api/v1/staff/product-types/{slug}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"slug": ProductTypeFactory.create().slug}}


@success("GET /api/v1/staff/gift-cards/")
def _(shop: Shop) -> CaseData:
    return {"query": {"page_size": 5}}


@success("POST /api/v1/staff/gift-cards/")
def _(shop: Shop) -> CaseData:
    return {"body": {"amount": "25.00", "currency": "GBP", "recipient_email": CUSTOMER_EMAIL}}


def _gift_card() -> int:
    from emporium.giftcards.tests.factories import GiftCardFactory

    return GiftCardFactory.create().pk


@success("GET /api/v1/staff/gift-cards/{card_id}/movements/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"card_id": _gift_card()}, "query": {"page_size": 5}}


@success("POST /api/v1/staff/gift-cards/{card_id}/movements/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"card_id": _gift_card()}, "body": {"amount": "-5.00", "note": "Correction"}}


def _promotion(shop: Shop) -> int:
    from emporium.promotions.tests.factories import PromotionFactory

    return PromotionFactory.create(applies_to_all_products=False, categories=[shop.category]).pk


@success("GET /api/v1/staff/promotions/")
def _(shop: Shop) -> CaseData:
    _promotion(shop)
    return {"query": {"page_size": 5}}


@success("POST /api/v1/staff/promotions/")
def _(shop: Shop) -> CaseData:
    return {
        "body": {
            "name": "Summer sale", "kind": "percentage", "value": "15.00", "categories": [shop.category.slug],
            "starts_at": "2026-06-01T00:00:00Z",
        }
    }  # fmt: skip


@success("GET /api/v1/staff/promotions/{promotion_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"promotion_id": _promotion(shop)}}


@success("PATCH /api/v1/staff/promotions/{promotion_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"promotion_id": _promotion(shop)}, "body": {"is_active": False}}


@success("DELETE /api/v1/staff/promotions/{promotion_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"promotion_id": _promotion(shop)}}


@success("GET /api/v1/account/gift-cards/")
def _(shop: Shop) -> CaseData:
    return {"query": {"page_size": 5}}


@success("GET /api/v1/staff/categories/")
def _(shop: Shop) -> CaseData:
    return {"query": {"page_size": 5}}


@success("POST /api/v1/staff/categories/")
def _(shop: Shop) -> CaseData:
    slug = f"new-{uuid.uuid4().hex[:8]}"
    return {"body": {"name": "Kitchen", "slug": slug, "parent": shop.category.slug}}


@success("GET /api/v1/staff/categories/{category_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"category_id": shop.category.pk}}


@success("PATCH /api/v1/staff/categories/{category_id}/")
def _(shop: Shop) -> CaseData:
    return {
        "path_parameters": {"category_id": CategoryFactory.create().pk},
        "body": {"description": "Pots and pans.", "parent": shop.category.slug},
    }


@success("DELETE /api/v1/staff/categories/{category_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"category_id": CategoryFactory.create().pk}}  # empty: deletable


@success("GET /api/v1/webhooks/endpoints/")
def _(shop: Shop) -> CaseData:
    return {"query": {"page_size": 5}}


@success("POST /api/v1/webhooks/endpoints/")
def _(shop: Shop) -> CaseData:
    return {"body": {"url": "https://erp.example.com/hooks", "event_types": ["order.paid", "stock.changed"]}}


@success("GET /api/v1/webhooks/endpoints/{endpoint_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"endpoint_id": shop.webhook_delivery().endpoint_id}}


@success("PATCH /api/v1/webhooks/endpoints/{endpoint_id}/")
def _(shop: Shop) -> CaseData:
    return {
        "path_parameters": {"endpoint_id": shop.webhook_delivery().endpoint_id},
        "body": {"is_active": False},
    }


@success("DELETE /api/v1/webhooks/endpoints/{endpoint_id}/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"endpoint_id": shop.webhook_delivery().endpoint_id}}


@success("POST /api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"endpoint_id": shop.webhook_delivery().endpoint_id}}


@success("GET /api/v1/webhooks/deliveries/")
def _(shop: Shop) -> CaseData:
    return {"query": {"endpoint": shop.webhook_delivery().endpoint_id, "status": "pending"}}


@success("POST /api/v1/webhooks/deliveries/{delivery_id}/redeliver/")
def _(shop: Shop) -> CaseData:
    return {"path_parameters": {"delivery_id": shop.webhook_delivery().pk}}


ANALYTICS_PERIOD = {"start": "2026-01-01", "end": "2026-12-31"}


def _analytics(query: dict[str, Any]) -> Callable[[Shop], CaseData]:
    def build(shop: Shop) -> CaseData:
        rebuild_all_rollups()  # the shop's orders, in the roll-ups the reports read
        return {"query": {**ANALYTICS_PERIOD, **query}}

    return build


success("GET /api/v1/analytics/sales/")(_analytics({"granularity": "week", "currency": "GBP"}))
success("GET /api/v1/analytics/countries/")(_analytics({}))
success("GET /api/v1/analytics/categories/")(_analytics({}))
success("GET /api/v1/analytics/products/")(_analytics({"ranking": "rising", "limit": 5}))
success("GET /api/v1/analytics/customers/")(_analytics({"granularity": "month"}))
success("GET /api/v1/analytics/cohorts/")(_analytics({"format": "csv"}))
success("GET /api/v1/analytics/segments/")(_analytics({}))
success("GET /api/v1/analytics/funnel/")(_analytics({}))
success("GET /api/v1/analytics/recommendations/")(_analytics({}))


@success("GET /api/v1/analytics/segments/{segment}/customers/")
def _(shop: Shop) -> CaseData:
    rebuild_all_rollups()
    return {"path_parameters": {"segment": "new"}, "query": {**ANALYTICS_PERIOD, "limit": 10}}


# --- Real rows in generated requests -----------------------------------------------------------------


def _owned_first(queryset: QuerySet[Any], *, owner: str, field: str) -> list[Any]:
    """The customer's rows first, then everybody else's."""
    own = Q(**{f"{owner}__email": CUSTOMER_EMAIL})
    values = queryset.values_list(field, flat=True).order_by("pk")
    return [*values.filter(own), *values.exclude(own)]


def _all(queryset: QuerySet[Any], field: str) -> list[Any]:
    return list(queryset.order_by("pk").values_list(field, flat=True))


def _existing_values(case: schemathesis.Case) -> dict[str, Callable[[], list[Any]]]:
    """For each path parameter, and each field of the body or query that names a row, the
    values of rows that exist: the customer's first, then others'."""

    def addresses() -> list[Any]:
        return _owned_first(Address.objects.all(), owner="customer", field="pk")

    def orders() -> list[Any]:
        return _owned_first(Order.objects.all(), owner="customer", field="number")

    def categories() -> list[Any]:
        return _all(Category.objects.all(), "slug")

    def products() -> list[Any]:
        return _all(Product.objects.all(), "slug")

    values: dict[str, Callable[[], list[Any]]] = {
        "address_id": addresses,
        "shipping_address_id": addresses,
        "billing_address_id": addresses,
        "number": orders,
        "order_number": orders,
        "line_id": lambda: _owned_first(CartLine.objects.all(), owner="cart__customer", field="pk"),
        "payment_id": lambda: _owned_first(Payment.objects.all(), owner="order__customer", field="pk"),
        "slug": categories if case.operation.path.startswith("/api/v1/categories/") else products,
        "category": categories,
        "parent": categories,
        "category_id": lambda: _all(Category.objects.all(), "pk"),
        "product_id": lambda: _all(Product.objects.all(), "pk"),
        "variant_id": lambda: _all(Variant.objects.all(), "pk"),
        "shipping_method_id": lambda: _all(ShippingMethod.objects.all(), "pk"),
        "gateway": lambda: list(django_settings.PAYMENT_GATEWAYS),
        "endpoint_id": lambda: _all(WebhookEndpoint.objects.all(), "pk"),
        "endpoint": lambda: _all(WebhookEndpoint.objects.all(), "pk"),
        "delivery_id": lambda: _all(WebhookDelivery.objects.all(), "pk"),
    }
    if case.operation.path == "/api/v1/staff/orders/":  # its filters; elsewhere these name nobody
        values["customer_id"] = lambda: _all(Order.objects.exclude(customer=None), "customer_id")
        values["email"] = lambda: _all(Order.objects.all(), "email")
    return values


def _existing_token(name: str, pick: int) -> str | None:
    """The ``pick``-th (modulo their number) visitor's cart token or guest's order token, oldest
    first. Only the picked row is read and signed: this runs for every generated request."""
    if name == "X-Cart-Token":
        tokens = (
            Cart.objects.filter(customer=None)
            .exclude(token=None)
            .order_by("pk")
            .values_list("token", flat=True)
        )
        count = tokens.count()
        return str(tokens[pick % count]) if count else None
    if name == "X-Order-Token":
        guest_orders = Order.objects.filter(customer=None).order_by("pk")
        count = guest_orders.count()
        return make_guest_order_token(order=guest_orders[pick % count]) if count else None
    return None


def name_existing_rows(case: schemathesis.Case, picks: tuple[int, ...] = (0,)) -> schemathesis.Case:
    """Put ids, numbers, slugs and tokens of rows that exist where the case has valid ones: in
    its path, its query, its body and its token headers.

    ``picks`` choose among the rows; the default, the customer's own first row, is what the
    coverage phase uses, so its boundary values reach the code behind the lookup.
    """
    meta = case.meta
    if meta is None:
        return case
    values = _existing_values(case)

    def fill(container: Mapping[str, Any], location: ParameterLocation) -> dict[str, Any]:
        filled = dict(container)
        if meta.is_negative_at(location):
            return filled
        for index, name in enumerate(name for name in filled if name in values):
            if existing := values[name]():
                filled[name] = existing[picks[index % len(picks)] % len(existing)]
        return filled

    case.path_parameters = fill(case.path_parameters or {}, ParameterLocation.PATH)
    case.query = fill(case.query or {}, ParameterLocation.QUERY)
    if isinstance(case.body, dict):
        case.body = fill(case.body, ParameterLocation.BODY)
    if not meta.is_negative_at(ParameterLocation.HEADER):
        headers = case.headers.copy()
        for name in ("X-Cart-Token", "X-Order-Token"):
            if name in headers and (token := _existing_token(name, picks[-1])) is not None:
                headers[name] = token
        case.headers = headers
    return case  # schemathesis revalidates what changed: a case stays negative only if it still is


@schema.hook
def flatmap_case(context: Any, case: schemathesis.Case) -> st.SearchStrategy[schemathesis.Case]:
    """Half of the generated requests name rows that exist instead of random ones.

    The rows are looked up when the request is made, as earlier requests add and remove some;
    Hypothesis draws only which of them to take, so a replayed request draws the same way.
    """
    picks = st.tuples(*[st.integers(min_value=0, max_value=10_000)] * 3)
    return st.one_of(st.just(case), picks.map(lambda picked: name_existing_rows(case, picked)))


# DRF reads input the way HTML forms send it: a number where text is expected becomes that text,
# 0/1 and "true"/"false" are booleans, a numeric string is a number, text loses the spaces around
# it before its length is checked, empty text for a decimal that may be null is null, and of a
# repeated query parameter the last one counts. Invalid data of only that kind being accepted is
# no finding; every other kind (out of range, not one of the choices, missing, malformed ...)
# must be refused.
COERCED_TYPES = {"string", "integer", "number", "boolean"}


def _is_coercion(case: schemathesis.Case) -> bool:
    data = case.meta.phase.data if case.meta is not None else None
    if isinstance(data, CoveragePhaseData):
        if data.scenario is CoverageScenario.DUPLICATE_PARAMETER:
            return True
        value = _sent_value(case, data)
        if data.scenario is CoverageScenario.INCORRECT_TYPE:
            return isinstance(value, str | int | float | bool)
        # A nullable property's schema is anyOf [its type, null]: the pattern is its type's.
        return (
            data.scenario is CoverageScenario.INVALID_PATTERN and value == "" and _is_nullable(data.location)
        )
    mutations = getattr(data, "mutations", ())
    return bool(mutations) and all(_is_coerced_mutation(mutation) for mutation in mutations)


def _is_coerced_mutation(mutation: Mutation) -> bool:
    if mutation.operator is OperatorKind.CHANGE_TYPE:
        if mutation.new_value == "null" and _is_nullable(mutation.schema_pointer):
            return True  # null breaks the nullable property's first branch; the second is null
        return (
            set(str(mutation.original_value).split(" | ")) <= COERCED_TYPES
            and mutation.new_value in COERCED_TYPES
        )
    if mutation.keywords == ("pattern",):
        return mutation.new_value == "" and _is_nullable(mutation.schema_pointer)
    trimmed = isinstance(mutation.new_value, str) and mutation.new_value != mutation.new_value.strip()
    return mutation.keywords == ("maxLength",) and trimmed


def _is_nullable(schema_location: str | None) -> bool:
    return "/anyOf/" in (schema_location or "")


def _sent_value(case: schemathesis.Case, data: CoveragePhaseData) -> Any:
    """The value the coverage case sent where its schema location points."""
    if data.parameter_location is ParameterLocation.BODY:
        # The schema location names the property: /properties/<name>[/properties/<name>]/...
        value: Any = case.body
        parts = (data.location or "").strip("/").split("/")
        for keyword, name in itertools.pairwise(parts):
            if keyword == "properties":
                value = value.get(name) if isinstance(value, dict) else None
        return value
    container = case.get_container(data.parameter_location) if data.parameter_location else None
    return container.get(data.parameter or "") if isinstance(container, Mapping) else None


# Valid data refused for what no schema can state, per operation: these problems (status, code),
# for credentials, signatures, keys and cards that are not valid, and the sign-up and login limits
# (allauth's, per client address; DRF's throttles are off here) ...
REFUSED_PROBLEMS: dict[str, set[tuple[int, str]]] = {
    "POST /api/v1/auth/register/": {(429, "too_many_signups")},  # allauth's limit per address
    "POST /api/v1/auth/verify-email/": {(400, "invalid_verification_key")},
    "POST /api/v1/auth/token/": {(401, "invalid_credentials"), (429, "too_many_login_attempts")},
    "POST /api/v1/auth/token/refresh/": {(401, "token_not_valid")},
    "POST /api/v1/auth/logout/": {(401, "invalid_refresh_token")},
    "POST /api/v1/payments/": {(400, "payment_method_not_available")},  # a gateway not enabled
    "POST /api/v1/payments/{payment_id}/confirm/": {(402, "payment_declined")},
    "POST /api/v1/payments/webhooks/offline/": {(400, "invalid_webhook")},  # signature
    "POST /api/v1/payments/webhooks/stripe/": {(400, "invalid_webhook")},
    # Only buyers review, once each, at a limited pace; nobody votes for their own review.
    "POST /api/v1/products/{slug}/reviews/": {
        (403, "not_a_buyer"),
        (409, "already_reviewed"),
        (429, "too_many_reviews"),
    },
    "POST /api/v1/reviews/{review_id}/helpful/": {(404, "review_not_found"), (409, "own_review")},
    "POST /api/v1/wishlist/": {(404, "product_not_found"), (409, "wishlist_full")},
    # An amount that rounds to nothing in the currency's minor unit (0.40 in yen).
    "POST /api/v1/staff/gift-cards/": {(409, "gift_card_balance_too_low")},
    "POST /api/v1/staff/gift-cards/{card_id}/movements/": {(409, "gift_card_balance_too_low")},
    # The shipping method may be left out only when the cart holds gift cards alone.
    "POST /api/v1/checkout/preview/": {(400, "shipping_method_required")},
    "POST /api/v1/checkout/orders/": {(400, "shipping_method_required")},
}
# ... and a 400 that names only these fields: their values are checked against the shop's rows
# (an id or slug that names none, a slug or SKU taken), against a policy (passwords), against who
# sends them (an e-mail address visitors must give, an address book only customers have), or
# against another field (the amount a partial refund needs).
_CHECKOUT_FIELDS = {"shipping_method_id", "email", "shipping_address_id", "billing_address_id"}
_PROMOTION_FIELDS = {
    "categories", "product_types", "products", "value", "buy_quantity", "get_quantity",
    "threshold_amount", "reward", "ends_at", "usage_limit",
    "applies_to_all_products",  # false needs a target: a category, product type or product
}  # fmt: skip
CHECKED_AGAINST_THE_SHOP: dict[str, set[str]] = {
    "GET /api/v1/products/": {"price_max"},  # at least price_min
    "POST /api/v1/auth/register/": {"password"},
    "POST /api/v1/cart/lines/": {"variant_id"},
    "POST /api/v1/checkout/preview/": _CHECKOUT_FIELDS,
    "POST /api/v1/checkout/orders/": _CHECKOUT_FIELDS,
    "POST /api/v1/staff/orders/{number}/refund/": {"amount"},
    "GET /api/v1/staff/products/": {"category"},
    # ... and typed attributes and variant options are checked against the product's type.
    "POST /api/v1/staff/products/": {"category", "slug", "product_type", "attributes"},
    "PATCH /api/v1/staff/products/{product_id}/": {"category", "slug", "product_type", "attributes"},
    "POST /api/v1/staff/products/{product_id}/variants/": {"sku", "options"},
    "POST /api/v1/staff/categories/": {"slug", "parent"},
    # ... and a category cannot move under itself or one of its sub-categories.
    "PATCH /api/v1/staff/categories/{category_id}/": {"slug", "parent"},
    # Stock not below what orders hold.
    "PATCH /api/v1/staff/variants/{variant_id}/": {"sku", "stock_on_hand", "options"},
    "POST /api/v1/staff/gift-cards/": {"owner_id", "expires_at"},  # a customer; a date to come
    # Targets named by the shop's rows, and each kind's own fields (Promotion.clean).
    "POST /api/v1/staff/promotions/": _PROMOTION_FIELDS,
    "PATCH /api/v1/staff/promotions/{promotion_id}/": _PROMOTION_FIELDS,
    # Bytes that are not a JPEG, PNG or WebP picture (catalog.images): no schema can say so.
    "POST /api/v1/staff/products/{product_id}/images/": {"image"},
    # A URI, and also http or https with a host name Django's URL validator accepts.
    "POST /api/v1/webhooks/endpoints/": {"url"},
    "PATCH /api/v1/webhooks/endpoints/{endpoint_id}/": {"url"},
}
# Report periods: the end not before the start, at most three years, within 2000-2100.
CHECKED_AGAINST_THE_SHOP.update(
    {label: {"start", "end"} for label in OPERATIONS if label.startswith("GET /api/v1/analytics/")}
)


def _is_explained_refusal(case: schemathesis.Case, response: Any) -> bool:
    """Whether valid data was refused for a reason no schema can state."""
    label = case.operation.label
    try:
        problem = response.json()
    except ValueError:
        return False
    if (response.status_code, problem.get("code")) in REFUSED_PROBLEMS.get(label, set()):
        return True
    if (response.status_code, problem.get("code")) != (400, "invalid"):
        return False
    sent = {**(case.query or {}), **(case.body if isinstance(case.body, dict) else {})}
    checked = CHECKED_AGAINST_THE_SHOP.get(label, set())
    return all(
        name in checked or _is_text_drf_refuses(sent.get(name), errors)
        for name, errors in problem["errors"].items()
    )


def _is_text_drf_refuses(value: Any, errors: Any) -> bool:
    """DRF trims text, as forms do, so text of spaces only is blank; and NUL characters are
    refused in any text, free-form JSON's too. (A nested error is the nested field's.)"""
    if isinstance(errors, dict) and isinstance(value, dict):
        return all(_is_text_drf_refuses(value.get(name), nested) for name, nested in errors.items())
    return (isinstance(value, str) and not value.strip()) or _holds_a_nul(value)


def _holds_a_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_a_nul(key) or _holds_a_nul(item) for key, item in value.items())
    return isinstance(value, list) and any(_holds_a_nul(item) for item in value)


@schema.hook
def filter_failure(context: Any, failure: Any, case: schemathesis.Case, response: Any) -> bool:
    """Keep every failure but invalid data accepted as one of DRF's coercions, and valid data
    refused for a reason no schema can state."""
    if isinstance(failure, AcceptedNegativeData):
        # A form carries text and files only: the negative bodies schemathesis makes for the
        # picture upload (nested objects, numbers for text, extra fields) reach the server as
        # valid fields or as fields the form does not have; even its "valid object" cases are
        # labelled negative there. What the upload refuses is tested in catalog/tests/test_images.py.
        return not (_is_coercion(case) or case.media_type == "multipart/form-data")
    if isinstance(failure, RejectedPositiveData):
        return not _is_explained_refusal(case, response)
    return True


# --- The tests ---------------------------------------------------------------------------------------


def test_the_live_server_serves_the_schema_under_test(live_server: Any) -> None:
    served = requests.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=30)

    assert served.status_code == 200
    assert served.json() == schema.raw_schema


def test_every_operation_is_fuzzed_as_a_test_of_its_own(request: pytest.FixtureRequest) -> None:
    """pytest-xdist runs one test per node id: the fuzz's items must not share one
    (emporium/core/tests/collection.py), or all but one operation would go unfuzzed."""
    fuzz = f"{request.node.path.relative_to(request.config.rootpath).as_posix()}::{FUZZ_TEST}"
    nodeids = [item.nodeid for item in request.session.items if item.nodeid.startswith(fuzz)]
    if not nodeids:
        pytest.skip("the fuzz test is not in this run")
    fuzzed = sorted(nodeid.removeprefix(f"{fuzz}[").removesuffix("]") for nodeid in nodeids)

    assert len(set(fuzzed)) == len(fuzzed), "two fuzz items share a node id"
    assert set(fuzzed) <= set(OPERATIONS)
    option = request.config.option
    if option.keyword or option.markexpr or any("::" in arg for arg in request.config.args):
        return  # a run narrowed by -k, -m or a node id holds only the operations it selected
    assert fuzzed == OPERATIONS


def test_every_operation_succeeds_with_real_data(
    shop: Shop, live_server: Any, subtests: pytest.Subtests
) -> None:
    """Each operation's success path, with every check on the answer. One test with a subtest
    per operation, so the database is emptied once for all of them (seconds on PostgreSQL)."""
    assert sorted(SUCCESS) == OPERATIONS, "every operation of the schema needs its entry in SUCCESS"
    for label in OPERATIONS:
        with subtests.test(label):
            method, path = label.split(" ", 1)
            case = schema[path][method].Case(**{"media_type": "application/json", **SUCCESS[label](shop)})

            response = case.call_and_validate(base_url=live_server.url, headers=credentials_for(case, shop))

            assert 200 <= response.status_code < 300, response.text


@schema.parametrize()
# The shop and the live server are made once per operation, not per request, on purpose; and
# drawing a request reads the database (``flatmap_case``), which Hypothesis would call slow.
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_its_schema_says(
    case: schemathesis.Case, shop: Shop, live_server: Any
) -> None:
    if case.meta is not None and case.meta.phase.name is TestPhase.COVERAGE:
        name_existing_rows(case)  # boundary values against the customer's own rows, not only 404s
    # Whether an operation enforces its authentication is a property of the operation, not of a
    # request: ``ignored_auth`` resends every accepted request without credentials and with
    # wrong ones, two or three requests more for each, most of the checks' time. schemathesis's
    # own runner confirms it once per operation and run; here the success path does
    # (``test_every_operation_succeeds_with_real_data``, every check on a 2xx answer).
    case.call_and_validate(
        base_url=live_server.url, headers=credentials_for(case, shop), excluded_checks=[ignored_auth]
    )
