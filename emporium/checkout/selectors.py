from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache
from django.db.models import QuerySet

from emporium.accounts.models import ADDRESS_FIELDS, Address
from emporium.checkout.models import ShippingMethod, TaxRate


def list_shipping_methods_for_country(
    *, country: str | None, currency: str | None = None
) -> list[ShippingMethod]:
    """Active methods delivering to ``country``, priced in ``currency`` (each when given)."""
    methods = list_active_shipping_methods(currency=currency)
    return [method for method in methods if country is None or method.ships_to(country)]


def list_active_shipping_methods(*, currency: str | None = None) -> QuerySet[ShippingMethod]:
    """Active methods; only those priced in ``currency`` when given, as an order in one
    currency cannot add a price in another (checkout refuses such a method)."""
    methods = ShippingMethod.objects.active().order_by("position", "pk")
    return methods if currency is None else methods.filter(currency=currency)


def get_tax_rate(*, country: str) -> Decimal:
    rate = TaxRate.objects.filter(country=country.upper()).values_list("rate", flat=True).first()
    return rate if rate is not None else Decimal(0)


CHARGES_VAT_CACHE_KEY = "checkout:charges-vat"


def shop_charges_vat() -> bool:
    """Whether any destination carries VAT: only then may the cart say "Prices include VAT",
    the way orders only show an "Includes VAT" row when they carry some.

    Cached, so the pages that say it run no query for it; a tax rate saved or deleted clears
    the cache (emporium.checkout.apps)."""
    charges = cache.get(CHARGES_VAT_CACHE_KEY)
    if charges is None:
        charges = TaxRate.objects.filter(rate__gt=0).exists()
        cache.set(CHARGES_VAT_CACHE_KEY, charges, timeout=None)
    return bool(charges)


def snapshot_address(*, address: Address) -> dict[str, str]:
    """A saved address as checkout copies it into the order: plain strings, no link back."""
    return {name: str(getattr(address, name) or "") for name in ADDRESS_FIELDS}
