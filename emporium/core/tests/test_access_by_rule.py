"""Who may open what, written down once and checked by walking every route and API operation
(issue 15).

ROUTES names every URL pattern (by route name, or by template when it has none) and OPERATIONS
every operation of the OpenAPI schema (by operation id), each with the rule that lets a visitor
in. The walk sends each route and operation as anonymous, a customer, a member of staff in each
role and a superuser, and checks that exactly the principals the rule names get past the door:
the others are refused (401, 403, or a redirect to a login page) and nobody gets a 500. A new
URL or operation without an entry fails the test, and so does an entry that names nothing.

What the walk cannot see, because it sends made-up ids: whether one customer can read another's
order (the object rules; covered by each app's own tests and the cross-customer checks). Those
routes carry the rule LINK: whoever holds the object's signed link or owns it. The walk checks
that none of them answers 2xx to its made-up link, whoever asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Group
from django.http.response import HttpResponseBase
from django.test import Client
from rest_framework.test import APIClient

from emporium.accounts.models import User
from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, INTEGRATION_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.core.tests.url_walk import NAMED_ROUTES

pytestmark = pytest.mark.django_db

PRINCIPALS = ("anonymous", "customer", "catalog", "orders", "analyst", "integration", "superuser")
ROLE_GROUPS = {
    "catalog": CATALOG_MANAGER.name,
    "orders": ORDER_MANAGER.name,
    "analyst": ANALYST.name,
    "integration": INTEGRATION_MANAGER.name,
}


@dataclass(frozen=True)
class Rule:
    name: str
    allowed: frozenset[str]
    is_link: bool = False

    def __str__(self) -> str:
        return self.name


def staff(*roles: str) -> Rule:
    return Rule(f"staff: {', '.join(roles)}", frozenset((*roles, "superuser")))


PUBLIC = Rule("anyone", frozenset(PRINCIPALS))
SIGNED_IN = Rule("signed in", frozenset(PRINCIPALS) - {"anonymous"})
STAFF = staff("catalog", "orders", "analyst", "integration")
SUPERUSER = staff()
NOBODY = Rule("nobody the walk can be", frozenset())
# A step of a login under way (a second factor, a code): a visitor without one is sent to the
# login page, a signed-in one on to the shop.
LOGIN_STEP = Rule("a login under way (the signed-in are sent on)", SIGNED_IN.allowed)
PROVIDER_STEP = Rule("a login with a provider under way", frozenset())
LINK = Rule("holder of the object's link, or its owner", frozenset(PRINCIPALS), is_link=True)
ANALYTICS = staff("orders", "analyst")  # read from orders: whoever may read every order

# --- URL patterns (the API is in OPERATIONS below) ------------------------------------------

STOREFRONT = {
    "home": PUBLIC,
    "catalog:category-detail": PUBLIC,
    "catalog:product-detail": PUBLIC,
    "catalog:search": PUBLIC,
    "catalog:search-suggest": PUBLIC,
    "robots-txt": PUBLIC,
    "sitemap": PUBLIC,
    "sitemap-section": PUBLIC,
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "metrics": LINK,  # a bearer token of its own; a 404 without it
    "csp-report": PUBLIC,
    "media": PUBLIC,
    "api-schema": PUBLIC,
    "api-docs": PUBLIC,
    "api-not-found": PUBLIC,
    "analytics:dashboard": ANALYTICS,
    "analytics:dashboard-page": ANALYTICS,
    "cart:detail": PUBLIC,
    "cart:add": PUBLIC,
    "cart:line-update": PUBLIC,
    "cart:line-remove": PUBLIC,
    "checkout:checkout": PUBLIC,
    "checkout:totals": PUBLIC,
    "checkout:order-lookup": PUBLIC,
    "checkout:order-status": LINK,
    "checkout:order-invoice": LINK,
    "checkout:order-invoice-pdf": LINK,
    "payments:pay": LINK,
    "payments:test-card": LINK,
    "payments:payment": LINK,
    "payments:authenticate": LINK,
    "payments:stripe-return": LINK,
    "recommendations:click": PUBLIC,
    "reviews:product-reviews": PUBLIC,
    "reviews:write": SIGNED_IN,
    "reviews:helpful": SIGNED_IN,
    "wishlist:detail": PUBLIC,  # a guest's list lives in the session
    "wishlist:save": PUBLIC,
    "alerts:ask": PUBLIC,
    "alerts:confirm": LINK,
    "alerts:unsubscribe": LINK,
    "returns:list": SIGNED_IN,
    "returns:create": LINK,  # the order's owner, or a guest with the order's link
}
ACCOUNT = {
    "accounts:overview": SIGNED_IN,
    "accounts:profile": SIGNED_IN,
    "accounts:addresses": SIGNED_IN,
    "accounts:address-create": SIGNED_IN,
    "accounts:address-update": SIGNED_IN,
    "accounts:address-delete": SIGNED_IN,
    "accounts:orders": SIGNED_IN,
    "accounts:gift-cards": SIGNED_IN,
    "accounts:order-detail": SIGNED_IN,
    "accounts:order-invoice": SIGNED_IN,
    "accounts:order-invoice-pdf": SIGNED_IN,
    "accounts:privacy": SIGNED_IN,
    "accounts:personal-data": SIGNED_IN,
    "accounts:delete": SIGNED_IN,
    # allauth: logging in, signing up and resetting a password are for anyone; changing what an
    # account holds needs the account.
    "account_login": PUBLIC,
    "account_logout": PUBLIC,
    "account_inactive": PUBLIC,
    "account_signup": PUBLIC,
    "account_reauthenticate": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_email_verification_sent": PUBLIC,
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    # allauth answers a made-up key with a page that says the link is bad (a 200).
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_confirm_login_code": LOGIN_STEP,
    "mfa_index": SIGNED_IN,
    "mfa_authenticate": LOGIN_STEP,
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_activate_totp": SIGNED_IN,
    "mfa_deactivate_totp": SIGNED_IN,
    "mfa_view_recovery_codes": SIGNED_IN,
    "mfa_generate_recovery_codes": SIGNED_IN,
    "mfa_download_recovery_codes": SIGNED_IN,
    "socialaccount_login_cancelled": PUBLIC,
    "socialaccount_login_error": PROVIDER_STEP,
    "socialaccount_signup": PROVIDER_STEP,
    "socialaccount_connections": SIGNED_IN,
    "accounts/social/connections/": PUBLIC,  # allauth's old addresses: redirects to the new
    "accounts/social/login/cancelled/": PUBLIC,
    "accounts/social/login/error/": PUBLIC,
    "accounts/social/signup/": PUBLIC,
    "github_login": PUBLIC,
    "github_callback": PUBLIC,
    "google_login": PUBLIC,
    "google_login_by_token": PUBLIC,
    "google_callback": PUBLIC,
    "openid_connect_login": PUBLIC,
    "openid_connect_callback": PUBLIC,
}
ADMIN_SITE = {
    "admin:login": STAFF,  # others are sent on to the shop's login page
    "admin:logout": PUBLIC,
    "admin:index": STAFF,
    "admin:password_change": STAFF,
    "admin:password_change_done": STAFF,
    # Refused unless the query names a model the member of staff may view; the walk names none.
    "admin:autocomplete": NOBODY,
    "admin:jsi18n": STAFF,
    "admin:view_on_site": STAFF,
    "admin:app_list": STAFF,
    "admin/{text}": STAFF,  # the catch-all: a 404 for staff
    "admin:javascript-catalog": PUBLIC,  # treebeard's translations: static text
    # The walk's empty form meets the first door (may view categories); a valid move then asks
    # for the change permission on the node (treebeard's move_node).
    "admin/catalog/category/move/": staff("catalog", "analyst"),
    "admin/catalog/category/children/{text}/": staff("catalog", "analyst"),
    "admin:orders_order_invoice": staff("orders", "analyst"),
    "admin:orders_order_invoice_pdf": staff("orders", "analyst"),
    "admin:payments_payment_refund": SUPERUSER,
}
# Admin models: who may view, who may add, who may delete. Roles are groups with an app's
# permissions (accounts.roles); a model outside every role is for superusers. Records that only
# the shop writes (orders, payments, deliveries, logs) cannot be added in the admin by anyone.
CATALOG_ADMIN = (staff("catalog", "analyst"), staff("catalog"), staff("catalog"))
INTEGRATION_ADMIN = (staff("integration"), staff("integration"), staff("integration"))
SUPERUSER_ADMIN = (SUPERUSER, SUPERUSER, SUPERUSER)
RECORD_ADMIN = (SUPERUSER, NOBODY, NOBODY)  # a log: read, never written by hand
ADMIN_MODELS: dict[str, tuple[Rule, Rule, Rule]] = {
    "catalog_category": CATALOG_ADMIN,
    "catalog_product": CATALOG_ADMIN,
    "catalog_variant": CATALOG_ADMIN,
    "catalog_attribute": CATALOG_ADMIN,
    "catalog_producttype": CATALOG_ADMIN,
    "orders_order": (staff("orders", "analyst"), NOBODY, staff("orders")),
    "returns_return": (staff("orders"), NOBODY, NOBODY),  # asked for by customers, kept as a record
    # Money like vouchers: superusers (or a group a shop makes with giftcards' permissions);
    # a card with a ledger is switched off, never deleted.
    "giftcards_giftcard": (SUPERUSER, SUPERUSER, NOBODY),
    "giftcards_giftcardproduct": SUPERUSER_ADMIN,
    "webhooks_webhookendpoint": INTEGRATION_ADMIN,
    "webhooks_webhookdelivery": (staff("integration"), NOBODY, staff("integration")),
    "alerts_stockalert": (SUPERUSER, NOBODY, SUPERUSER),
    "reviews_review": (SUPERUSER, NOBODY, SUPERUSER),
    "checkout_voucherusage": RECORD_ADMIN,
    "promotions_promotionusage": RECORD_ADMIN,
    "payments_payment": RECORD_ADMIN,
    "payments_paymentlogentry": RECORD_ADMIN,
    "payments_providerevent": RECORD_ADMIN,
    "token_blacklist_outstandingtoken": RECORD_ADMIN,
    "account_emailaddress": SUPERUSER_ADMIN,
    "accounts_user": SUPERUSER_ADMIN,
    "auth_group": SUPERUSER_ADMIN,
    "cart_cart": SUPERUSER_ADMIN,
    "checkout_shippingmethod": SUPERUSER_ADMIN,
    "checkout_taxrate": SUPERUSER_ADMIN,
    "checkout_voucher": SUPERUSER_ADMIN,
    # Prices like vouchers: superusers, or a group a shop makes with promotions' permissions.
    "promotions_promotion": SUPERUSER_ADMIN,
    "mfa_authenticator": SUPERUSER_ADMIN,
    "sites_site": SUPERUSER_ADMIN,
    "socialaccount_socialaccount": SUPERUSER_ADMIN,
    "socialaccount_socialapp": SUPERUSER_ADMIN,
    "socialaccount_socialtoken": SUPERUSER_ADMIN,
    "token_blacklist_blacklistedtoken": SUPERUSER_ADMIN,
    "wishlist_wishlistitem": SUPERUSER_ADMIN,
}


def _admin_model_routes() -> dict[str, Rule]:
    routes: dict[str, Rule] = {}
    for model, (viewers, adders, deleters) in ADMIN_MODELS.items():
        app, name = model.rsplit("_", 1)  # model names have no underscore; app labels may
        routes |= {
            f"admin:{model}_changelist": viewers,
            f"admin:{model}_change": viewers,
            f"admin:{model}_history": viewers,
            f"admin:{model}_add": adders,
            f"admin:{model}_delete": deleters,
            # A bare object address redirects to its change page, which then decides.
            f"admin/{app}/{name}/{{text}}/": STAFF,
        }
    routes["admin:auth_user_password_change"] = SUPERUSER  # accounts.User's "change password" form
    return routes


ROUTES: dict[str, Rule] = STOREFRONT | ACCOUNT | ADMIN_SITE | _admin_model_routes()

# --- API operations (operation ids of the OpenAPI schema) -----------------------------------

STAFF_CATALOG_READ, STAFF_CATALOG_WRITE = staff("catalog", "analyst"), staff("catalog")
STAFF_ORDERS_READ, STAFF_ORDERS_WRITE = staff("orders", "analyst"), staff("orders")
OPERATIONS: dict[str, Rule] = {
    "categories_list": PUBLIC,
    "categories_retrieve": PUBLIC,
    "products_list": PUBLIC,
    "products_retrieve": PUBLIC,
    "product_reviews_list": PUBLIC,
    "product_reviews_create": SIGNED_IN,
    "reviews_helpful_vote": SIGNED_IN,
    "recommendations_popular": PUBLIC,
    "recommendations_also_bought": PUBLIC,
    "recommendations_for_me": SIGNED_IN,
    "carts_create": PUBLIC,
    "cart_retrieve": PUBLIC,
    "cart_lines_create": PUBLIC,
    "cart_lines_partial_update": PUBLIC,
    "cart_lines_destroy": PUBLIC,
    "checkout_shipping_methods_list": PUBLIC,
    "checkout_preview": PUBLIC,
    "checkout_place_order": PUBLIC,  # guests may buy
    "checkout_order_detail": LINK,
    "payments_create": PUBLIC,  # for an order the body names and the client may pay
    "payments_list": SIGNED_IN,
    "payments_retrieve": LINK,
    "payments_confirm_create": LINK,
    "payments_webhooks_stripe_create": LINK,  # the provider's signature
    "payments_webhooks_offline_create": LINK,
    "auth_register_create": PUBLIC,
    "auth_verify_email_create": PUBLIC,
    "auth_token_create": PUBLIC,
    "auth_token_refresh_create": PUBLIC,
    "auth_logout_create": PUBLIC,  # the refresh token in the body is the credential
    "auth_me_retrieve": SIGNED_IN,
    "account_addresses_list": SIGNED_IN,
    "account_addresses_create": SIGNED_IN,
    "account_addresses_retrieve": SIGNED_IN,
    "account_addresses_update": SIGNED_IN,
    "account_addresses_destroy": SIGNED_IN,
    "account_orders_list": SIGNED_IN,
    "account_gift_cards_list": SIGNED_IN,
    "account_orders_retrieve": SIGNED_IN,
    "wishlist_list": SIGNED_IN,
    "wishlist_save": SIGNED_IN,
    "wishlist_remove": SIGNED_IN,
    "staff_products_list": STAFF_CATALOG_READ,
    "staff_products_retrieve": STAFF_CATALOG_READ,
    "staff_products_create": STAFF_CATALOG_WRITE,
    "staff_products_partial_update": STAFF_CATALOG_WRITE,
    "staff_products_variants_create": STAFF_CATALOG_WRITE,
    "staff_products_images_create": STAFF_CATALOG_WRITE,
    "staff_variants_partial_update": STAFF_CATALOG_WRITE,
    "staff_categories_list": STAFF_CATALOG_READ,
    "staff_categories_retrieve": STAFF_CATALOG_READ,
    "staff_categories_create": STAFF_CATALOG_WRITE,
    "staff_categories_partial_update": STAFF_CATALOG_WRITE,
    "staff_categories_destroy": STAFF_CATALOG_WRITE,
    "staff_product_types_list": STAFF_CATALOG_READ,
    "staff_product_types_retrieve": STAFF_CATALOG_READ,
    "staff_orders_list": STAFF_ORDERS_READ,
    "staff_gift_cards_list": SUPERUSER,  # or a group given giftcards' permissions
    "staff_gift_cards_create": SUPERUSER,
    "staff_gift_card_movements_list": SUPERUSER,
    "staff_gift_card_movements_create": SUPERUSER,
    "staff_promotions_list": SUPERUSER,  # or a group given promotions' permissions
    "staff_promotions_create": SUPERUSER,
    "staff_promotions_retrieve": SUPERUSER,
    "staff_promotions_partial_update": SUPERUSER,
    "staff_promotions_destroy": SUPERUSER,
    "staff_orders_retrieve": STAFF_ORDERS_READ,
    "staff_orders_pay": STAFF_ORDERS_WRITE,
    "staff_orders_fulfil": STAFF_ORDERS_WRITE,
    "staff_orders_ship": STAFF_ORDERS_WRITE,
    "staff_orders_deliver": STAFF_ORDERS_WRITE,
    "staff_orders_cancel": STAFF_ORDERS_WRITE,
    "staff_orders_refund": STAFF_ORDERS_WRITE,
    "returns_list": SIGNED_IN,
    "returns_create": PUBLIC,  # a guest sends the order's token; the order decides
    "returns_retrieve": SIGNED_IN,
    "returns_approve": staff("orders"),
    "returns_refuse": staff("orders"),
    "returns_receive": staff("orders"),
    "returns_refund": staff("orders"),
    "analytics_sales": ANALYTICS,
    "analytics_countries": ANALYTICS,
    "analytics_categories": ANALYTICS,
    "analytics_products": ANALYTICS,
    "analytics_customers": ANALYTICS,
    "analytics_cohorts": ANALYTICS,
    "analytics_segments": ANALYTICS,
    "analytics_segment_customers": ANALYTICS,
    "analytics_funnel": ANALYTICS,
    "analytics_recommendations": ANALYTICS,
    "webhook_endpoints_list": staff("integration"),
    "webhooks_endpoints_create": staff("integration"),
    "webhooks_endpoints_retrieve": staff("integration"),
    "webhooks_endpoints_partial_update": staff("integration"),
    "webhooks_endpoints_destroy": staff("integration"),
    "webhook_endpoints_rotate_secret": staff("integration"),
    "webhook_deliveries_list": staff("integration"),
    "webhook_deliveries_redeliver": staff("integration"),
}

# --- The walk ---------------------------------------------------------------------------------

LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


def _verdict(response: HttpResponseBase) -> str:
    if response.status_code >= 500:
        return "error"
    if response.status_code == 302 and response["Location"] == "/admin/":
        # The admin's history page looks the object up before it asks for permission, and
        # sends anyone to the index for an object that does not exist: it tells nothing.
        return "no such object"
    if response.status_code in (401, 403):
        return "refused"
    if response.status_code == 302 and response["Location"].startswith(LOGIN_PAGES):
        return "refused"
    return "ok" if response.status_code < 300 else "let through"


def _users() -> dict[str, User | None]:
    users: dict[str, User | None] = {"anonymous": None, "customer": UserFactory.create()}
    for principal, group in ROLE_GROUPS.items():
        users[principal] = StaffUserFactory.create()
        users[principal].groups.add(Group.objects.get(name=group))  # type: ignore[union-attr]
    users["superuser"] = StaffUserFactory.create(is_superuser=True)
    return users


def _mismatches(rule: Rule, verdicts: dict[str, str], where: str) -> Iterable[str]:
    for principal, verdict in verdicts.items():
        if verdict == "error":
            yield f"{where}: 500 for {principal}"
        elif rule.is_link and verdict == "ok":
            yield f"{where}: {principal} got in with a made-up link"
        elif verdict == "no such object":
            continue
        elif principal in rule.allowed and verdict == "refused":
            yield f"{where}: {principal} refused, but the rule is {rule}"
        elif principal not in rule.allowed and verdict != "refused":
            yield f"{where}: {principal} let in, but the rule is {rule}"


@pytest.fixture
def users(settings) -> dict[str, User | None]:
    settings.STAFF_MFA_REQUIRED = False  # two factors are tested with the login; here, the roles
    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = ""  # hundreds of requests from one address
    return _users()


def _path(template: str) -> str:
    return "/" + template.replace("{int}", "1").replace("{text}", "EMP-1")


def test_every_url_pattern_has_an_access_rule():
    walked = {name or template for template, name in NAMED_ROUTES if not template.startswith("api/v1/")}

    assert sorted(walked - ROUTES.keys()) == []  # add the new route to ROUTES with its rule
    # /media/ is served by Django only in embedded mode (config/urls.py); elsewhere by the web server.
    assert sorted(ROUTES.keys() - walked - {"media"}) == []  # a rule for a route that is gone


def test_every_url_pattern_lets_in_exactly_whom_its_rule_names(users):
    clients = {principal: Client(raise_request_exception=False) for principal in PRINCIPALS}
    for principal, user in users.items():
        if user is not None:
            clients[principal].force_login(user)
    failures: list[str] = []
    for template, name in NAMED_ROUTES:
        if template.startswith("api/v1/"):
            continue
        path, rule = _path(template), ROUTES[name or template]
        responses = {principal: client.get(path) for principal, client in clients.items()}
        if any(response.status_code == 405 for response in responses.values()):
            responses = {principal: client.post(path) for principal, client in clients.items()}
            for principal, user in users.items():  # a POST may have logged out (account_logout)
                if user is not None:
                    clients[principal].force_login(user)
        verdicts = {principal: _verdict(response) for principal, response in responses.items()}
        failures += _mismatches(rule, verdicts, f"{name or template} ({path})")

    assert failures == [], "\n".join(failures)


def _operations(schema: dict) -> Iterable[tuple[str, str, str]]:
    for template, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield operation["operationId"], method, re.sub(r"\{[^}]+\}", "1", template)


def test_every_api_route_is_in_the_schema(client):
    """So OPERATIONS covers the whole API: an endpoint left out of the schema would escape it."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    in_schema = {re.sub(r"\{[^}]+\}", "{}", template) for template in schema["paths"]}
    routes = {
        "/" + re.sub(r"\{(int|text)\}", "{}", template)
        for template, _ in NAMED_ROUTES
        if template.startswith("api/v1/")
    }

    assert sorted(routes - in_schema) == []


def test_every_api_operation_has_an_access_rule(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation_ids = {operation_id for operation_id, _, _ in _operations(schema)}

    assert sorted(operation_ids - OPERATIONS.keys()) == []  # add the new operation with its rule
    assert sorted(OPERATIONS.keys() - operation_ids) == []


def test_every_api_operation_lets_in_exactly_whom_its_rule_names(client, users):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    clients = {}
    for principal, user in users.items():
        clients[principal] = APIClient(raise_request_exception=False)
        if user is not None:
            clients[principal].force_authenticate(user)
    failures: list[str] = []
    for operation_id, method, path in _operations(schema):
        verdicts = {
            principal: _verdict(getattr(api, method)(path, {} if method != "get" else None))
            for principal, api in clients.items()
        }
        failures += _mismatches(OPERATIONS[operation_id], verdicts, f"{operation_id} ({method} {path})")

    assert failures == [], "\n".join(failures)


def test_each_admin_history_page_asks_the_permission_its_rule_names(users, rf):
    """History pages look the object up before they ask for permission, so the walk's made-up
    ids tell nothing there. The admin then asks ``has_view_or_change_permission``: ask each
    model's admin that question for every principal and compare it with the viewers' rule."""
    failures = []
    for model, model_admin in admin.site._registry.items():
        key = f"{model._meta.app_label}_{model._meta.model_name}"
        viewers = ADMIN_MODELS[key][0]
        for principal, user in users.items():
            request = rf.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/1/history/")
            request.user = user or AnonymousUser()
            allowed = bool(request.user.is_active and request.user.is_staff) and (
                model_admin.has_view_or_change_permission(request)
            )
            if allowed != (principal in viewers.allowed):
                failures.append(
                    f"{key} history: {principal} {'let in' if allowed else 'refused'}, rule {viewers}"
                )

    assert failures == [], "\n".join(failures)
