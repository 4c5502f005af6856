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

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import requests
import schemathesis
from allauth.account.models import EmailConfirmationHMAC
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.mutations import Mutation, OperatorKind
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario, TestPhase

from emporium.accounts.models import Address, User
from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, ORDER_MANAGER, StaffRole
from emporium.accounts.tests.factories import (
    AddressFactory,
    EmailAddressFactory,
    StaffUserFactory,
    UserFactory,
)
from emporium.cart.models import Cart, CartLine
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.models import Category, Product, Variant
from emporium.catalog.tests.factories import CategoryFactory, make_product
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
from emporium.payments.services import start_payment

PASSWORD = "correct-horse-battery"  # UserFactory's
CUSTOMER_EMAIL = "schema-customer@example.com"
WEBHOOK_SECRETS = {"stripe": "whsec_schema_test_stripe", "offline": "whsec_schema_test_offline"}

# Generated requests per operation, besides its coverage cases. Enough to get past validation
# into real rows now and then, few enough for CI, which runs this file twice.
MAX_EXAMPLES = 15

CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": True}},
        # Valid and invalid data. No NUL characters: DRF refuses them in any text (400), and
        # PostgreSQL could not store them anyway. No generated credentials: each request carries
        # the real ones of the identity its operation is for (``credentials_for``).
        "generation": {"mode": "all", "allow-x00": False, "with-security-parameters": False},
        "checks": {
            # Data the schema allows can still be refused for what no schema can say: a variant
            # that does not exist, a password too common (400), a test card that is declined
            # (402). Their problem bodies are checked like every answer's; anything else (405,
            # 413, 415, 5xx ...) for valid data fails.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "402", "403", "404", "409", "429"]
            },
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

    def payment(self, *, customer: User | None) -> Payment:
        return start_payment(order=self.order(customer=customer), gateway_name="offline")


@pytest.fixture
def shop(transactional_db: None, live_server: Any, settings: Any) -> Shop:
    """A customer with addresses, a cart, orders and a payment; a guest's order; another
    customer's rows; staff in each role. The live server shares the test database."""
    settings.API_THROTTLE_ANON = ""  # generated requests come fast; throttling has its own tests
    settings.API_THROTTLE_USER = ""
    settings.STAFF_MFA_REQUIRED = False  # the roles are what this checks; two factors have their own tests
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
    return shop


# --- Who sends each request -----------------------------------------------------------------------


def credentials_for(case: schemathesis.Case, shop: Shop) -> dict[str, str]:
    """The identity an operation is for; none for visitors and guests, who prove with a token."""
    path, method = case.operation.path, case.method.upper()
    if path.startswith("/api/v1/staff/"):
        if method == "GET":
            return _bearer(shop.analyst)  # reading is what the Analyst role is for
        if path.startswith("/api/v1/staff/orders/"):
            return _bearer(shop.order_manager)
        return _bearer(shop.catalog_manager)
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


@success("PATCH /api/v1/staff/variants/{variant_id}/")
def _(shop: Shop) -> CaseData:
    variant = shop.fresh_variant()
    return {"path_parameters": {"variant_id": variant.pk}, "body": {"price_amount": "3.00"}}


# --- Real rows in generated requests -----------------------------------------------------------------


def _owned_first(queryset: QuerySet[Any], *, owner: str, field: str) -> list[Any]:
    """The customer's rows first, then everybody else's."""
    own = Q(**{f"{owner}__email": CUSTOMER_EMAIL})
    values = queryset.values_list(field, flat=True).order_by("pk")
    return [*values.filter(own), *values.exclude(own)]


def _existing_path_values(case: schemathesis.Case) -> dict[str, list[Any]]:
    """For each path parameter, values of rows that exist: the customer's first, then others'."""
    path = case.operation.path
    rows: dict[str, Callable[[], list[Any]]] = {
        "address_id": lambda: _owned_first(Address.objects.all(), owner="customer", field="pk"),
        "number": lambda: _owned_first(Order.objects.all(), owner="customer", field="number"),
        "line_id": lambda: _owned_first(CartLine.objects.all(), owner="cart__customer", field="pk"),
        "payment_id": lambda: _owned_first(Payment.objects.all(), owner="order__customer", field="pk"),
        "slug": lambda: list(
            Category.objects.order_by("pk").values_list("slug", flat=True)
            if path.startswith("/api/v1/categories/")
            else Product.objects.order_by("pk").values_list("slug", flat=True)
        ),
        "product_id": lambda: list(Product.objects.order_by("pk").values_list("pk", flat=True)),
        "variant_id": lambda: list(Variant.objects.order_by("pk").values_list("pk", flat=True)),
    }
    return {name: rows[name]() for name in case.path_parameters if name in rows}


def _existing_tokens() -> dict[str, list[str]]:
    """Visitors' cart tokens and guests' order tokens, oldest first."""
    visitor_carts = Cart.objects.filter(customer=None).exclude(token=None).order_by("pk")
    guest_orders = Order.objects.filter(customer=None).order_by("pk")
    return {
        "X-Cart-Token": [str(token) for token in visitor_carts.values_list("token", flat=True)],
        "X-Order-Token": [make_guest_order_token(order=order) for order in guest_orders],
    }


def name_existing_rows(case: schemathesis.Case, picks: tuple[int, ...] = (0,)) -> schemathesis.Case:
    """Put ids, numbers, slugs and tokens of rows that exist where the case has valid ones.

    ``picks`` choose among the rows; the default, the customer's own first row, is what the
    coverage phase uses, so its boundary values reach the code behind the lookup.
    """
    meta = case.meta
    if meta is None:
        return case
    path_parameters, headers = dict(case.path_parameters), case.headers.copy()
    if not meta.is_negative_at(ParameterLocation.PATH):
        for index, (name, values) in enumerate(_existing_path_values(case).items()):
            if values:
                path_parameters[name] = values[picks[index % len(picks)] % len(values)]
    if not meta.is_negative_at(ParameterLocation.HEADER):
        for name, values in _existing_tokens().items():
            if name in headers and values:
                headers[name] = values[picks[-1] % len(values)]
    case.path_parameters, case.headers = path_parameters, headers  # schemathesis revalidates the case
    return case


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
# it before its length is checked, and of a repeated query parameter the last one counts.
# Invalid data of only that kind being accepted is no finding; every other kind (out of range,
# not one of the choices, missing, malformed ...) must be refused.
COERCED_TYPES = {"string", "integer", "number", "boolean"}


def _is_coercion(case: schemathesis.Case) -> bool:
    data = case.meta.phase.data if case.meta is not None else None
    if isinstance(data, CoveragePhaseData):
        return data.scenario in (CoverageScenario.INCORRECT_TYPE, CoverageScenario.DUPLICATE_PARAMETER) and (
            data.scenario is CoverageScenario.DUPLICATE_PARAMETER or _sent_scalar(case, data)
        )
    mutations = getattr(data, "mutations", ())
    return bool(mutations) and all(_is_coerced_mutation(mutation) for mutation in mutations)


def _is_coerced_mutation(mutation: Mutation) -> bool:
    if mutation.operator is OperatorKind.CHANGE_TYPE:
        return (
            set(str(mutation.original_value).split(" | ")) <= COERCED_TYPES
            and mutation.new_value in COERCED_TYPES
        )
    trimmed = isinstance(mutation.new_value, str) and mutation.new_value != mutation.new_value.strip()
    return mutation.keywords == ("maxLength",) and trimmed


def _sent_scalar(case: schemathesis.Case, data: CoveragePhaseData) -> bool:
    """Whether the value of the wrong type was a single number, text or boolean."""
    if data.parameter_location is ParameterLocation.BODY:
        # The schema location names the property: /properties/<name>/.../type
        value: Any = case.body
        for key in (data.location or "").strip("/").split("/")[1::2]:
            value = value.get(key) if isinstance(value, dict) else None
    else:
        container = case.get_container(data.parameter_location) if data.parameter_location else None
        name = data.parameter or ""
        value = container.get(name) if isinstance(container, Mapping) else None
    return isinstance(value, str | int | float | bool)


@schema.hook
def filter_failure(context: Any, failure: Any, case: schemathesis.Case, response: Any) -> bool:
    """Keep every failure but invalid data accepted as one of DRF's coercions."""
    return not (isinstance(failure, AcceptedNegativeData) and _is_coercion(case))


# --- The tests ---------------------------------------------------------------------------------------


def test_the_live_server_serves_the_schema_under_test(live_server: Any) -> None:
    served = requests.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=30)

    assert served.status_code == 200
    assert served.json() == schema.raw_schema


def test_every_operation_succeeds_with_real_data(
    shop: Shop, live_server: Any, subtests: pytest.Subtests
) -> None:
    """Each operation's success path, with every check on the answer. One test with a subtest
    per operation, so the database is emptied once for all of them (seconds on PostgreSQL)."""
    assert sorted(SUCCESS) == OPERATIONS, "every operation of the schema needs its entry in SUCCESS"
    for label in OPERATIONS:
        with subtests.test(label):
            method, path = label.split(" ", 1)
            case = schema[path][method].Case(media_type="application/json", **SUCCESS[label](shop))

            response = case.call_and_validate(base_url=live_server.url, headers=credentials_for(case, shop))

            assert 200 <= response.status_code < 300, response.text


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(
    case: schemathesis.Case, shop: Shop, live_server: Any
) -> None:
    if case.meta is not None and case.meta.phase.name is TestPhase.COVERAGE:
        name_existing_rows(case)  # boundary values against the customer's own rows, not only 404s
    case.call_and_validate(base_url=live_server.url, headers=credentials_for(case, shop))
