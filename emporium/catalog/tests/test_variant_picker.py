"""The product page's variant picker: a GET form choosing colour and size, without JavaScript."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from emporium.catalog.picker import ChoiceState, choose_variant
from emporium.catalog.selectors import get_product_page
from emporium.catalog.tests.caches import empty_caches
from emporium.catalog.tests.factories import Shop, make_clothing_type, make_product_with_variants

pytestmark = pytest.mark.django_db

TEE_OPTIONS = [
    {"colour": "red", "size": "s"},  # 0: sold out (stock below)
    {"colour": "red", "size": "m"},  # 1
    {"colour": "blue", "size": "m"},  # 2
    {"colour": "blue", "size": "l"},  # 3
]


@pytest.fixture
def tee(shop: Shop):
    return make_product_with_variants(
        "Cotton tee",
        slug="cotton-tee",
        category=shop.bags,
        product_type=make_clothing_type(),
        options=TEE_OPTIONS,
        stock={0: 0},
        attributes={"material": "cotton", "weight": 180},
    )


def _buy_box_variant_id(html: str) -> str | None:
    marker = '<input type="hidden" name="variant" value="'
    html = html.split('<div id="buy-box"', 1)[1].split("add-to-cart__button", 1)[0]
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split('"', 1)[0]


def test_the_page_opens_on_the_first_variant_in_stock(client, tee):
    red_m = tee.variants.get(options={"colour": "red", "size": "m"})

    html = client.get("/p/cotton-tee/").content.decode()

    assert _buy_box_variant_id(html) == str(red_m.pk)


def test_choosing_colour_and_size_selects_that_variant_price_and_sku(client, tee):
    blue_l = tee.variants.get(options={"colour": "blue", "size": "l"})

    html = client.get("/p/cotton-tee/?colour=blue&size=l").content.decode()

    assert _buy_box_variant_id(html) == str(blue_l.pk)
    assert f"SKU {blue_l.sku}" in html
    assert "£13.00" in html  # the fourth variant's price


def test_each_attribute_is_a_fieldset_of_labelled_radios(client, tee):
    html = client.get("/p/cotton-tee/?colour=red&size=m").content.decode()

    assert (
        '<legend class="form-field__label">Colour: <span class="variant-picker__chosen">Red</span></legend>'
        in html
    )
    assert '<input id="option-size-m" type="radio" name="size" value="m" checked>' in html
    assert '<circle cx="10" cy="10" r="9" fill="#c0392b"' in html  # the red swatch


def test_a_sold_out_option_is_marked_and_cannot_be_added(client, tee):
    html = client.get("/p/cotton-tee/?colour=red&size=s").content.decode()

    assert "Sold out" in html
    assert 'class="button button--primary add-to-cart__button" type="submit" disabled' in html


def test_a_combination_not_made_says_so_and_offers_nothing_to_add(client, tee):
    html = client.get("/p/cotton-tee/?colour=blue&size=s").content.decode()

    assert _buy_box_variant_id(html) is None
    assert "Blue, Small is not made." in html
    assert "Not made with your other choices" in html


def test_htmx_gets_only_the_buy_box(client, tee):
    response = client.get(
        "/p/cotton-tee/?colour=blue&size=m", headers={"HX-Request": "true", "HX-Target": "buy-box"}
    )

    assert response.content.decode().lstrip().startswith('<div id="buy-box"')


def test_typed_attributes_show_by_name_with_their_unit(client, tee):
    html = client.get("/p/cotton-tee/").content.decode()

    assert "<dt>Weight</dt><dd>180 g</dd>" in html


def test_the_typed_product_page_has_a_fixed_number_of_queries(client, shop: Shop):
    clothing = make_clothing_type()
    make_product_with_variants(
        "Small", slug="small", category=shop.bags, product_type=clothing, options=TEE_OPTIONS[:1]
    )
    make_product_with_variants(
        "Large", slug="large", category=shop.bags, product_type=clothing, options=TEE_OPTIONS
    )

    def cold_queries(url: str) -> int:
        empty_caches()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert cold_queries("/p/small/") == cold_queries("/p/large/?colour=blue&size=l")


# --- choose_variant, on the page shape --------------------------------------------------------


def test_a_partial_choice_is_completed_from_a_variant_in_stock(tee):
    page = get_product_page(slug="cotton-tee")
    assert page is not None

    choice = choose_variant(page=page, requested={"colour": "red"})

    assert choice is not None
    assert choice.variant is not None
    assert dict(choice.variant.options) == {"colour": "red", "size": "m"}  # small is sold out


def test_values_the_product_does_not_take_are_ignored(tee):
    page = get_product_page(slug="cotton-tee")
    assert page is not None

    choice = choose_variant(page=page, requested={"colour": "green", "size": "<script>"})

    assert choice is not None
    assert choice.variant == page.default_variant


def test_states_follow_the_other_choices(tee):
    page = get_product_page(slug="cotton-tee")
    assert page is not None

    choice = choose_variant(page=page, requested={"colour": "red", "size": "m"})

    assert choice is not None
    sizes = {item.value.code: item.state for item in choice.groups[1].values}
    assert sizes == {"s": ChoiceState.SOLD_OUT, "m": ChoiceState.AVAILABLE, "l": ChoiceState.NOT_MADE}


def test_a_product_without_a_type_has_no_picker(shop: Shop):
    from emporium.catalog.tests.factories import make_product

    make_product("Lantern", category=shop.candles, slug="lantern")
    page = get_product_page(slug="lantern")
    assert page is not None

    assert choose_variant(page=page, requested={"colour": "red"}) is None


def test_a_typed_variant_without_a_name_is_named_by_its_options(tee):
    assert tee.variants.get(options={"colour": "blue", "size": "l"}).name == "Blue, Large"


def test_the_public_api_gives_each_variant_its_options(client, tee):
    body = client.get("/api/v1/products/cotton-tee/").json()

    assert [v["options"] for v in body["variants"]][:2] == [
        {"colour": "red", "size": "s"},
        {"colour": "red", "size": "m"},
    ]
    assert [a["code"] for a in body["variant_attributes"]] == ["colour", "size"]
    assert body["variant_attributes"][0]["values"][0] == {"code": "red", "name": "Red", "hex": "#c0392b"}


def test_a_variant_choice_swapping_the_buy_box_is_not_another_view(client, tee):
    from emporium.recommendations.events import flush_events
    from emporium.recommendations.models import Event, EventKind

    browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0"}
    flush_events()

    client.get("/p/cotton-tee/", headers=browser)
    client.get(
        "/p/cotton-tee/?colour=blue&size=m", headers={**browser, "HX-Request": "true", "HX-Target": "buy-box"}
    )
    flush_events()

    assert Event.objects.filter(kind=EventKind.VIEW).count() == 1
