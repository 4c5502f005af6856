"""Reads the dataset writers need: what of a batch is already in the shop, looked up in bulk."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple, TypeVar

from django.db.models import Max, Q
from django.db.models.functions import Lower

from emporium.accounts.models import User
from emporium.catalog.models import Product, Variant
from emporium.orders.models import Order

# SQLite allows 32,766 parameters per statement; a lookup chunk stays well below that.
LOOKUP_CHUNK = 5000
T = TypeVar("T")


def _chunks(values: Sequence[T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class ExistingVariant(NamedTuple):
    variant_id: int
    product_id: int
    price_amount: Decimal


def map_variants_by_sku(*, skus: Sequence[str]) -> dict[str, ExistingVariant]:
    """The variants already in the catalog among these SKUs, by SKU."""
    found: dict[str, ExistingVariant] = {}
    for chunk in _chunks(skus):
        for sku, variant_id, product_id, price_amount in Variant.objects.filter(sku__in=chunk).values_list(
            "sku", "pk", "product_id", "price_amount"
        ):
            found[sku] = ExistingVariant(variant_id, product_id, price_amount)
    return found


def map_product_labels_by_sku(*, skus: Sequence[str]) -> dict[str, str]:
    """SKU -> product name, as an order line shows it."""
    labels: dict[str, str] = {}
    for chunk in _chunks(skus):
        labels.update(Variant.objects.filter(sku__in=chunk).values_list("sku", "product__name"))
    return labels


def list_taken_slugs(*, slugs: Sequence[str]) -> set[str]:
    taken: set[str] = set()
    for chunk in _chunks(slugs):
        taken.update(Product.objects.filter(slug__in=chunk).values_list("slug", flat=True))
    return taken


def map_users_by_external_ref(
    *, external_refs: Sequence[str], emails: Sequence[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """User ids of the users already there: by external ref, and by lower-cased e-mail.

    By e-mail too: an address the import would give a customer may already exist (made by
    hand, say), and the unique e-mail must not be created twice.
    """
    by_ref: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for chunk in _chunks(external_refs):
        rows = User.objects.filter(external_ref__in=chunk).values_list("external_ref", "pk")
        by_ref.update({ref: user_id for ref, user_id in rows if ref is not None})
    for chunk in _chunks([email.lower() for email in emails]):
        by_email.update(
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "pk")
        )
    return by_ref, by_email


def list_existing_orders(
    *, external_refs: Sequence[str], numbers: Sequence[str]
) -> tuple[set[str], set[str]]:
    """The external refs and the order numbers of a batch that the shop already has."""
    refs: set[str] = set()
    taken_numbers: set[str] = set()
    for ref_chunk, number_chunk in zip(_chunks(external_refs), _chunks(numbers), strict=True):
        for ref, number in Order.objects.filter(
            Q(external_ref__in=ref_chunk) | Q(number__in=number_chunk)
        ).values_list("external_ref", "number"):
            if ref:
                refs.add(ref)
            taken_numbers.add(number)
    return refs, taken_numbers


def get_highest_value(
    *, model: type[Product] | type[Variant] | type[User] | type[Order], field: str, prefix: str
) -> str | None:
    """The greatest value of a text field among rows whose value starts with prefix.

    The generator numbers its rows with zero-padded counters after a prefix, so the greatest
    string is the last number used and a new run continues after it.
    """
    manager = model._default_manager
    result = manager.filter(**{f"{field}__startswith": prefix}).aggregate(highest=Max(field))
    highest = result["highest"]
    return str(highest) if highest is not None else None
