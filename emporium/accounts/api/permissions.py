"""Who may use the staff endpoints: one module, built on the staff roles.

A staff endpoint needs a member of staff (``is_staff``, active) who holds the Django
permissions its HTTP method needs: reading a product needs ``catalog.view_product``, adding a
variant ``catalog.add_variant``, and so on. The roles in emporium.accounts.roles are groups
carrying those permissions (Order manager: orders.*, Catalog manager: catalog.*, Analyst:
view only, Integration manager: webhooks.*), so the admin, the dashboard and the API agree on who may do what, and a shop's
own group with only some of them gets exactly those. Where staff must use two factors
(``STAFF_MFA_REQUIRED``), a staff member without an authenticator app is refused here too,
as the admin refuses them.

Customers get 403; clients without credentials get 401 (DRF asks for them first).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from emporium.accounts.models import User
from emporium.accounts.selectors import has_totp_authenticator

# Methods that only read ask for what GET asks for.
READING_METHODS = ("GET", "HEAD", "OPTIONS")


class StaffPermission(BasePermission):
    """Base: staff holding every permission ``required`` names for the request's method.

    A method the mapping does not name is one the view does not answer: any member of staff
    passes here and gets the view's 405, rather than a 403 that would hide the mistake.
    """

    required: ClassVar[dict[str, tuple[str, ...]]] = {}
    message = "This is for staff with the right role."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not isinstance(user, User) or not (user.is_active and user.is_staff):
            return False
        if settings.STAFF_MFA_REQUIRED and not has_totp_authenticator(user=user):
            return False
        method = "GET" if request.method in READING_METHODS else str(request.method)
        return user.has_perms(self.required.get(method, ()))


class CanManageOrders(StaffPermission):
    """Order manager: read every order, move orders along their states (analysts read)."""

    required = {
        "GET": ("orders.view_order",),
        "POST": ("orders.view_order", "orders.change_order"),
    }


class CanManageReturns(StaffPermission):
    """Order manager: read every return, approve, refuse, receive and refund them."""

    required = {
        "GET": ("returns.view_return",),
        "POST": ("returns.view_return", "returns.change_return"),
    }


class CanManageProducts(StaffPermission):
    """Catalog manager: list, read, create and edit products (analysts list and read)."""

    required = {
        "GET": ("catalog.view_product",),
        "POST": ("catalog.view_product", "catalog.add_product"),
        "PATCH": ("catalog.view_product", "catalog.change_product"),
    }


class CanManageCategories(StaffPermission):
    """Catalog manager: list, read, create, edit, move and delete categories (analysts list and read)."""

    required = {
        "GET": ("catalog.view_category",),
        "POST": ("catalog.view_category", "catalog.add_category"),
        "PATCH": ("catalog.view_category", "catalog.change_category"),
        "DELETE": ("catalog.view_category", "catalog.delete_category"),
    }


class CanManageVariants(StaffPermission):
    """Catalog manager: add variants to a product, change their prices and stock."""

    required = {
        "POST": ("catalog.view_product", "catalog.add_variant"),
        "PATCH": ("catalog.view_product", "catalog.change_variant"),
    }


class CanReadProductTypes(StaffPermission):
    """Catalog managers and analysts: read product types and their attributes (the admin edits them)."""

    required = {"GET": ("catalog.view_producttype", "catalog.view_attribute")}


class CanManageProductImages(StaffPermission):
    """Catalog manager: add pictures to a product."""

    required = {"POST": ("catalog.view_product", "catalog.add_productimage")}


class CanViewAnalytics(StaffPermission):
    """Analysts and order managers: the shop's figures are read from its orders, so whoever
    may read every order may read the reports built from them (the dashboard asks the same)."""

    required = {"GET": ("orders.view_order",)}


class CanManageWebhooks(StaffPermission):
    """Integration manager: register webhook endpoints (their secrets included) and change them."""

    required = {
        "GET": ("webhooks.view_webhookendpoint",),
        "POST": ("webhooks.view_webhookendpoint", "webhooks.add_webhookendpoint"),
        "PATCH": ("webhooks.view_webhookendpoint", "webhooks.change_webhookendpoint"),
        "DELETE": ("webhooks.view_webhookendpoint", "webhooks.delete_webhookendpoint"),
    }


class CanRotateWebhookSecrets(StaffPermission):
    """A new secret is a change of the endpoint."""

    required = {"POST": ("webhooks.view_webhookendpoint", "webhooks.change_webhookendpoint")}


class CanManageWebhookDeliveries(StaffPermission):
    """Integration manager: read the delivery log and send a delivery again."""

    required = {
        "GET": ("webhooks.view_webhookdelivery",),
        "POST": ("webhooks.view_webhookdelivery", "webhooks.change_webhookdelivery"),
    }
