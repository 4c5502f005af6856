"""Colour families of the Online Retail data grouped into one product with colour variants."""

from __future__ import annotations

import pytest

from emporium.catalog.models import Product, Variant
from emporium.catalog.tests.factories import ProductFactory, VariantFactory
from emporium.datasets.demo import DEMO_DATA_PATH
from emporium.datasets.online_retail import read_online_retail
from emporium.datasets.services.variant_families import group_variant_families
from emporium.datasets.variant_families import FamilyMember, plan_variant_families

# Real stock codes and names (as the importer formats them) from the dataset.
PRODUCTS = [
    ("90200B", "Black Sweetheart Bracelet"),
    ("90200C", "Blue Sweetheart Bracelet"),
    ("90200D", "Pink Sweetheart Bracelet"),
    ("84997B", "Red 3 Piece Retrospot Cutlery Set"),  # another design: alone
    ("84997C", "Blue 3 Piece Polkadot Cutlery Set"),
    ("84997D", "Pink 3 Piece Polkadot Cutlery Set"),
    ("85099B", "Jumbo Bag Red Retrospot"),  # alone: the pink one is polkadot
    ("85099F", "Jumbo Bag Pink Polkadot"),
    ("22355", "Charlotte Bag Suki Design"),  # no letter
    ("84970L", "Single Heart Zinc T-Light Holder"),  # no colour
    ("85123A", "White Hanging Heart T-Light Holder"),  # one member only
    ("22632", "Hand Warmer Red Polka Dot"),
]


def test_the_rule_groups_a_stem_s_colours_of_one_design():
    families = plan_variant_families(products=PRODUCTS)

    assert [(family.stem, family.name, family.members) for family in families] == [
        (
            "84997",
            "3 Piece Polkadot Cutlery Set",
            (FamilyMember("84997C", "blue"), FamilyMember("84997D", "pink")),
        ),
        (
            "90200",
            "Sweetheart Bracelet",
            (FamilyMember("90200B", "black"), FamilyMember("90200C", "blue"), FamilyMember("90200D", "pink")),
        ),
    ]


def test_two_members_of_one_colour_make_no_family():
    assert plan_variant_families(products=[("90200A", "Red Bracelet"), ("90200B", "RED BRACELET")]) == []


def test_the_plan_does_not_depend_on_the_order_of_the_rows():
    assert plan_variant_families(products=reversed(PRODUCTS)) == plan_variant_families(products=PRODUCTS)


def test_the_committed_demo_subset_has_the_sweetheart_bracelet_in_five_colours():
    dataset = read_online_retail(path=DEMO_DATA_PATH)

    families = plan_variant_families(products=[(r.sku, r.name) for r in dataset.products.values()])

    bracelet = next(family for family in families if family.stem == "90200")
    assert [member.colour for member in bracelet.members] == ["purple", "black", "blue", "pink", "green"]


@pytest.mark.django_db
def test_grouping_moves_the_variants_onto_one_typed_product_and_hides_the_rest():
    for sku, name in PRODUCTS[:3]:
        VariantFactory.create(sku=sku, product=ProductFactory.create(name=name, variant=None))

    group_variant_families()

    bracelet = Product.objects.get(slug="sweetheart-bracelet")
    assert bracelet.product_type is not None
    assert bracelet.product_type.name == "Colour range"
    assert list(bracelet.variants.values_list("sku", "options")) == [
        ("90200B", {"colour": "black"}),
        ("90200C", {"colour": "blue"}),
        ("90200D", {"colour": "pink"}),
    ]
    assert Product.objects.filter(is_published=True).count() == 1
    assert bracelet.is_in_stock


@pytest.mark.django_db
def test_grouping_twice_changes_nothing_the_second_time():
    for sku, name in PRODUCTS[:3]:
        VariantFactory.create(sku=sku, product=ProductFactory.create(name=name, variant=None))
    group_variant_families()

    assert group_variant_families() == []
    assert Variant.objects.filter(product__slug="sweetheart-bracelet").count() == 3


@pytest.mark.django_db
def test_the_grouped_product_page_offers_each_colour(client):
    for sku, name in PRODUCTS[:3]:
        VariantFactory.create(sku=sku, product=ProductFactory.create(name=name, variant=None))
    group_variant_families()

    html = client.get("/p/sweetheart-bracelet/?colour=pink").content.decode()

    assert '<input id="option-colour-pink" type="radio" name="colour" value="pink" checked>' in html
    assert "SKU 90200D" in html


@pytest.mark.django_db
def test_the_import_command_groups_colours_when_asked(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from emporium.datasets.tests.conftest import write_retail_csv

    rows = [
        ("1", "90200B", "BLACK SWEETHEART BRACELET", "1", "2010-12-01 08:00", "4.25", "101.0", "UK"),
        ("1", "90200C", "BLUE SWEETHEART BRACELET", "2", "2010-12-01 08:00", "4.25", "101.0", "UK"),
        ("2", "22355", "CHARLOTTE BAG SUKI DESIGN", "1", "2010-12-01 09:00", "0.85", "102.0", "UK"),
    ]
    out = StringIO()

    call_command(
        "import_online_retail",
        str(write_retail_csv(tmp_path / "f.csv", rows)),
        "--no-progress",
        "--group-colours",
        stdout=out,
    )

    assert "colour families grouped:        1  (2 products became their colours)" in out.getvalue()
    bracelet = Product.objects.get(slug="sweetheart-bracelet")
    assert (bracelet.variants.count(), bracelet.units_sold) == (2, 3)


@pytest.mark.django_db
def test_setup_demo_shows_the_sweetheart_bracelet_with_a_colour_picker(client):
    from io import StringIO

    from django.core.management import call_command

    call_command("setup_demo", stdout=StringIO())

    html = client.get("/p/sweetheart-bracelet/?colour=green").content.decode()
    assert '<input id="option-colour-green" type="radio" name="colour" value="green" checked>' in html
    assert "SKU 90200E" in html
