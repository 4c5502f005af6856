"""Who may use the staff endpoints: one module, built on the staff roles.

A staff endpoint needs a member of staff (``is_staff``, active) who holds the Django
permission the endpoint names. The roles in emporium.accounts.roles are groups carrying
those permissions (Order manager: orders.*, Catalog manager: catalog.*, Analyst: view only),
so the admin, the dashboard and the API agree on who may do what. Where staff must use two
factors (``STAFF_MFA_REQUIRED``), a staff member without an authenticator app is refused
here too, as the admin refuses them.

Customers get 403; clients without credentials get 401 (DRF asks for them first).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from emporium.accounts.models import User
from emporium.accounts.selectors import has_totp_authenticator


class StaffPermission(BasePermission):
    """Base: staff with every permission in ``required`` (for safe methods, ``required_to_read``)."""

    required: ClassVar[tuple[str, ...]] = ()
    required_to_read: ClassVar[tuple[str, ...] | None] = None
    message = "This is for staff with the right role."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not isinstance(user, User) or not (user.is_active and user.is_staff):
            return False
        if settings.STAFF_MFA_REQUIRED and not has_totp_authenticator(user=user):
            return False
        reading = request.method in ("GET", "HEAD", "OPTIONS")
        needed = self.required_to_read if reading and self.required_to_read is not None else self.required
        return user.has_perms(needed)


class CanManageOrders(StaffPermission):
    """Order manager: read every order, move orders along their states."""

    required = ("orders.view_order", "orders.change_order")
    required_to_read = ("orders.view_order",)


class CanManageCatalog(StaffPermission):
    """Catalog manager: create and edit products, prices and stock."""

    required = (
        "catalog.view_product",
        "catalog.add_product",
        "catalog.change_product",
        "catalog.change_variant",
    )
    required_to_read = ("catalog.view_product",)
