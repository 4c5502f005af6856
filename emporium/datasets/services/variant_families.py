"""Writes the planned colour families (emporium.datasets.variant_families) into the catalog.

Each family becomes one typed product ("Colour range", declaring a colour that tells variants
apart) holding the members' variants, each with its colour as its option. The variants keep
their SKUs, prices, stock and order lines: they only change product. The product of the
first member (by SKU) becomes the family's, renamed without the colour; the others are left
without variants and unpublished, not deleted, so nothing that pointed at them (reviews,
wishlists, analytics) is lost; staff may delete them.

Idempotent: a grouped product has a type, and only untyped products are planned again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from emporium.catalog.attributes import AttributeKind
from emporium.catalog.cache import bump_catalog_version
from emporium.catalog.models import (
    Attribute,
    AttributeValue,
    Product,
    ProductType,
    ProductTypeAttribute,
    Variant,
)
from emporium.catalog.services import refresh_product_summaries
from emporium.datasets.variant_families import COLOURS, VariantFamily, plan_variant_families
from emporium.orders.services import refresh_units_sold

FAMILY_TYPE_NAME = "Colour range"


@transaction.atomic
def group_variant_families() -> list[VariantFamily]:
    """Group the catalog's untyped colour families into typed products; return the families."""
    rows = list(
        Variant.objects.filter(product__product_type__isnull=True).values_list(
            "sku", "product__name", "product_id"
        )
    )
    product_of = {sku: product_id for sku, _name, product_id in rows}
    families = plan_variant_families(products=[(sku, name) for sku, name, _product_id in rows])
    if not families:
        return []
    product_type = _ensure_colour_range(colours={member.colour for f in families for member in f.members})
    touched: set[int] = set()
    for family in families:
        product_ids = [product_of[member.sku] for member in family.members]
        family_product_id, others = product_ids[0], product_ids[1:]
        slug = slugify(family.name)[:200]
        changes: dict[str, object] = {"name": family.name, "product_type": product_type, "attributes": {}}
        if slug and not Product.objects.filter(slug=slug).exclude(pk=family_product_id).exists():
            changes["slug"] = slug
        Product.objects.filter(pk=family_product_id).update(**changes)
        for position, member in enumerate(family.members):
            Variant.objects.filter(sku=member.sku).update(
                product_id=family_product_id,
                options={"colour": member.colour},
                name=COLOURS[member.colour][0],
                position=position,
            )
        Product.objects.filter(pk__in=others).update(is_published=False)
        touched.update(product_ids)
    refresh_product_summaries(product_ids=touched)
    refresh_units_sold(product_ids=touched)
    transaction.on_commit(bump_catalog_version)
    return families


def _ensure_colour_range(*, colours: set[str]) -> ProductType:
    colour, _created = Attribute.objects.get_or_create(
        code="colour", defaults={"name": "Colour", "kind": AttributeKind.COLOUR}
    )
    for position, code in enumerate(sorted(COLOURS)):
        if code in colours:
            name, hex_ = COLOURS[code]
            AttributeValue.objects.get_or_create(
                attribute=colour, code=code, defaults={"name": name, "hex": hex_, "position": position}
            )
    product_type, _created = ProductType.objects.get_or_create(
        slug=slugify(FAMILY_TYPE_NAME), defaults={"name": FAMILY_TYPE_NAME}
    )
    ProductTypeAttribute.objects.get_or_create(
        product_type=product_type, attribute=colour, defaults={"defines_variants": True}
    )
    return product_type
