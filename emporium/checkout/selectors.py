from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from emporium.accounts.models import ADDRESS_FIELDS, Address
from emporium.checkout.models import ShippingMethod, TaxRate


def list_shipping_methods_for_country(*, country: str | None) -> list[ShippingMethod]:
    methods = ShippingMethod.objects.active().order_by("position", "pk")
    return [method for method in methods if country is None or method.ships_to(country)]


def list_active_shipping_methods() -> QuerySet[ShippingMethod]:
    return ShippingMethod.objects.active().order_by("position", "pk")


def get_tax_rate(*, country: str) -> Decimal:
    rate = TaxRate.objects.filter(country=country.upper()).values_list("rate", flat=True).first()
    return rate if rate is not None else Decimal(0)


def snapshot_address(*, address: Address) -> dict[str, str]:
    """A saved address as checkout copies it into the order: plain strings, no link back."""
    return {name: str(getattr(address, name) or "") for name in ADDRESS_FIELDS}
