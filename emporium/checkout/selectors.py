from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from moneyed import Money

from emporium.accounts.countries import list_country_choices
from emporium.accounts.models import ADDRESS_FIELDS, Address
from emporium.catalog.cache import cached_for_catalog
from emporium.checkout.models import ShippingMethod, TaxRate
from emporium.core.prepared import Bind, PreparedQuery


def list_shipping_methods_for_country(
    *, country: str | None, currency: str | None = None
) -> list[ShippingMethod]:
    """Active methods delivering to ``country``, priced in ``currency`` (each when given)."""
    methods = list_active_shipping_methods(currency=currency)
    return [method for method in methods if country is None or method.ships_to(country)]


def explain_delivery_to(*, method: ShippingMethod, country: str, currency: str | None) -> str:
    """Why ``method`` cannot take this order, and what the shopper can do instead.

    A shopper told only "not available" is stuck; naming the methods that do deliver there,
    or saying plainly that the shop does not deliver there yet, tells them the next step.
    """
    names = dict(list_country_choices())
    place = names.get(country.upper(), country.upper())
    others = [str(other) for other in list_shipping_methods_for_country(country=country, currency=currency)]
    if others:
        return f"{method} does not deliver to {place}. Choose {' or '.join(others)}."
    return (
        f"Sorry, we do not deliver to {place} yet. "
        "Choose a delivery address in another country, or contact us to ask about delivery there."
    )


def list_active_shipping_methods(*, currency: str | None = None) -> QuerySet[ShippingMethod]:
    """Active methods; only those priced in ``currency`` when given, as an order in one
    currency cannot add a price in another (checkout refuses such a method)."""
    methods = ShippingMethod.objects.active().order_by("position", "pk")
    return methods if currency is None else methods.filter(currency=currency)


# Every order names its shipping method: compiled once (emporium.core.prepared).
_ACTIVE_SHIPPING_METHOD = PreparedQuery(
    lambda: ShippingMethod.objects.active().filter(pk=Bind("method", ShippingMethod._meta.pk))
)


def find_active_shipping_method(*, method_id: object) -> ShippingMethod | None:
    """The active method of this id (:func:`list_active_shipping_methods`), else None. Raises
    TypeError or ValueError for an id that is not a whole number, as the ORM does."""
    return _ACTIVE_SHIPPING_METHOD.first(method=method_id)


@dataclass(frozen=True)
class DeliveryOption:
    """A shipping method as a product page advertises it, before any address is known."""

    name: str
    price: Money
    free_over: Money | None
    is_by_weight: bool  # then ``price`` is where the price starts


DELIVERY_OPTIONS_KEY = "checkout:delivery-options"
DELIVERY_OPTIONS_TIMEOUT = 60 * 15


def list_delivery_options(*, currency: str) -> list[DeliveryOption]:
    """What delivery costs, for shoppers still deciding: every active method priced in
    ``currency``, in the order checkout offers them.

    Cached: every product page shows them, and a warm product page runs no query. Saving or
    deleting a method forgets the cache (checkout/signals.py); the timeout bounds what a
    bulk update, which sends no signal, could leave behind.
    """
    options: list[tuple[str, DeliveryOption]] | None = cache.get(DELIVERY_OPTIONS_KEY)
    if options is None:
        options = [
            (
                method.currency,
                DeliveryOption(
                    name=method.name,
                    price=Money(method.price_amount, method.currency),
                    free_over=Money(method.free_over_amount, method.currency)
                    if method.free_over_amount is not None
                    else None,
                    is_by_weight=method.kind == ShippingMethod.Kind.WEIGHT,
                ),
            )
            for method in list_active_shipping_methods()
        ]
        cache.set(DELIVERY_OPTIONS_KEY, options, DELIVERY_OPTIONS_TIMEOUT)
    return [option for option_currency, option in options if option_currency == currency]


TAX_RATES_KEY = "checkout:tax-rates"


def get_tax_rate(*, country: str) -> Decimal:
    """The VAT rate of ``country``, 0 where the shop has none.

    Every checkout asks, so the few rates are kept with the catalog's data, under its version
    (this process's copy first, then the cache): saving or deleting a rate moves the version on,
    at once and again at the commit (checkout/signals.py), so no order is priced with a rate
    that was changed before it started.
    """
    rates = cached_for_catalog(key=TAX_RATES_KEY, build=_read_tax_rates)
    return next((rate for code, rate in rates if code == country.upper()), Decimal(0))


def _read_tax_rates() -> tuple[tuple[str, Decimal], ...]:
    # A tuple: the value is shared by the requests of this process (catalog.cache.LocalData).
    return tuple(TaxRate.objects.order_by("country").values_list("country", "rate"))


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


def list_checkout_setup_problems(*, currency: str | None = None) -> list[str]:
    """What stops this shop from taking orders, told to staff on the admin's front page.

    Checkout needs an active shipping method priced in the shop's currency; without one
    every cart ends at a form that cannot be completed, which nobody but staff can fix.
    """
    currency = currency or settings.DEFAULT_CURRENCY
    if not ShippingMethod.objects.active().exists():
        return [
            "No active shipping method: customers cannot place orders. "
            "Add one under Checkout > Shipping methods."
        ]
    if not ShippingMethod.objects.active().filter(currency=currency).exists():
        return [
            f"No active shipping method is priced in {currency}, the shop's currency: "
            "customers cannot place orders. Add one under Checkout > Shipping methods."
        ]
    return []
