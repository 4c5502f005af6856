import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.models import Product
from emporium.catalog.tests.caches import empty_caches
from emporium.catalog.tests.factories import (
    ONLINE_RETAIL_NAMES,
    ProductFactory,
    ProductImageFactory,
    Shop,
    VariantFactory,
    make_product,
)
from emporium.checkout.tests.factories import ShippingMethodFactory

pytestmark = pytest.mark.django_db


def _showing(first: int, last: int, total: int) -> str:
    return f"Showing {first}\N{EN DASH}{last} of {total} products"


MAX_QUERIES_PER_PAGE = 12
HTMX_RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _fill(category, count: int, *, start: int = 0) -> None:
    for number in range(start, start + count):
        make_product(
            f"{ONLINE_RETAIL_NAMES[number % len(ONLINE_RETAIL_NAMES)]} {number}",
            category=category,
            price=f"{1 + number % 9}.95",
            stock=number % 4,  # every fourth product is sold out
            sold=number,
        )


def _count_cold_queries(client, url: str) -> int:
    empty_caches()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- Home ------------------------------------------------------------------------------------


def test_home_shows_bestsellers_new_arrivals_and_top_level_categories(client, shop: Shop):
    make_product("REGENCY CAKESTAND 3 TIER", category=shop.home, sold=900)
    make_product("WHITE METAL LANTERN", category=shop.candles, sold=10)

    html = _html(client.get(reverse("home")))

    assert re.search(r"Bestsellers</h2>.*REGENCY CAKESTAND 3 TIER.*WHITE METAL LANTERN", html, re.S)
    assert "New arrivals</h2>" in html
    assert 'href="/c/home/"' in html
    assert 'href="/c/candles-lanterns/"' not in html.split("<main")[1].split("Bestsellers")[0]


def test_header_navigation_lists_the_top_level_categories(client, shop: Shop):
    html = _html(client.get(reverse("home")))

    nav = html.split('aria-label="Main"')[1].split("</nav>")[0]
    assert ">Bags</a>" in nav
    assert ">Home</a>" in nav
    assert "Candles" not in nav


def test_header_search_form_goes_to_the_search_page(client):
    html = _html(client.get(reverse("home")))

    assert 'action="/search/"' in html
    assert 'hx-get="/search/suggest/"' in html


# --- Category pages --------------------------------------------------------------------------


def test_category_lists_products_of_its_subcategories_with_breadcrumbs(client, shop: Shop):
    make_product("WHITE METAL LANTERN", category=shop.candles)
    make_product("IVORY KITCHEN WALL CLOCK", category=shop.clocks)
    make_product("JUMBO BAG RED RETROSPOT", category=shop.bags)

    html = _html(client.get(shop.candles.get_absolute_url()))
    parent = _html(client.get(shop.home.get_absolute_url()))

    assert "WHITE METAL LANTERN" in html
    assert "IVORY KITCHEN WALL CLOCK" not in html
    assert 'aria-label="Breadcrumb"' in html
    assert '<a href="/c/home/">Home</a>' in html
    assert "WHITE METAL LANTERN" in parent
    assert "IVORY KITCHEN WALL CLOCK" in parent
    assert "JUMBO BAG" not in parent
    assert '<a class="chip" href="/c/candles-lanterns/">Candles &amp; Lanterns</a>' in parent


def test_unknown_category_is_404(client):
    assert client.get("/c/no-such-category/").status_code == 404


def test_filters_and_sort_combine(client, shop: Shop):
    make_product("CHEAP LANTERN", category=shop.candles, price="0.85")
    make_product("SOLD OUT LANTERN", category=shop.candles, price="3.50", stock=0)
    make_product("MID LANTERN", category=shop.candles, price="2.95")
    make_product("DEAR LANTERN", category=shop.candles, price="4.95")
    make_product("TOO DEAR LANTERN", category=shop.candles, price="12.75")

    html = _html(
        client.get(
            shop.home.get_absolute_url(),
            {"price_min": "1", "price_max": "5", "in_stock": "on", "sort": "price-desc"},
        )
    )

    shown = re.findall(r'<h3 class="card__title"><a href="[^"]+">([^<]+)</a>', html)
    assert shown == ["DEAR LANTERN", "MID LANTERN"]


def test_subcategory_filter_narrows_to_that_branch(client, shop: Shop):
    make_product("WHITE METAL LANTERN", category=shop.candles)
    make_product("IVORY KITCHEN WALL CLOCK", category=shop.clocks)

    html = _html(client.get(shop.home.get_absolute_url(), {"subcategory": "clocks"}))

    assert "IVORY KITCHEN WALL CLOCK" in html
    assert "WHITE METAL LANTERN" not in html


def test_pagination_links_keep_the_filters(client, shop: Shop):
    _fill(shop.candles, 30)

    html = _html(
        client.get(shop.candles.get_absolute_url(), {"sort": "name", "in_stock": "on", "per_page": "12"})
    )

    assert _showing(1, 12, 22) in html  # 30 minus the 8 sold out
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert next_link is not None
    assert (
        next_link.group(1).replace("&amp;", "&")
        == "/c/candles-lanterns/?sort=name&in_stock=on&per_page=12&page=2"
    )


def test_page_two_shows_the_next_products(client, shop: Shop):
    _fill(shop.candles, 30)

    html = _html(client.get(shop.candles.get_absolute_url(), {"page": "2"}))

    assert _showing(25, 30, 30) in html
    assert re.search(r'aria-current="page"><span class="visually-hidden">Page </span>2</a>', html)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "abc"}, "That is not a page number. Showing page 1."),
        ({"page": "0"}, "Pages start at 1. Showing page 1."),
        ({"page": "99999"}, "There is no page 99999. Showing page 2 of 2."),
        ({"price_min": "-5"}, "Prices start at 0."),
        ({"price_min": "x"}, "Enter a number."),
        ({"price_max": "1e999999"}, "Ensure that there are no more than 10 digits in total."),
        ({"price_min": "5", "price_max": "1"}, "The max price must be at least the min price."),
        ({"sort": "unknown"}, "Unknown sort order, so the most popular come first."),
        (
            {"sort": "'; DROP TABLE catalog_product; --"},
            "Unknown sort order, so the most popular come first.",
        ),
        ({"per_page": "100000"}, "Choose 12, 24 or 48 a page; showing 24."),
        ({"subcategory": "<script>"}, "There is no such sub-category here, so all are shown."),
        ({"in_stock": "maybe"}, ""),
    ],
)
def test_bad_query_parameters_show_a_page_and_a_message(client, shop: Shop, params, message):
    _fill(shop.candles, 30)

    response = client.get(shop.home.get_absolute_url(), params)

    html = _html(response)
    assert message in html
    assert "<script>" not in html.split("<main")[1]
    assert '<ul class="grid product-grid"' in html


def test_an_invalid_field_is_marked_and_described(client, shop: Shop):
    html = _html(client.get(shop.candles.get_absolute_url(), {"price_min": "-5", "price_max": "3"}))

    field = re.search(r'<input type="number" name="price_min"[^>]*>', html)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="filter-price_min-error"' in field.group(0)
    assert '<p class="form-field__error" id="filter-price_min-error">Prices start at 0. </p>' in html


def test_an_invalid_filter_is_ignored_and_the_valid_ones_apply(client, shop: Shop):
    make_product("CHEAP LANTERN", category=shop.candles, price="0.85")
    make_product("DEAR LANTERN", category=shop.candles, price="9.95")

    html = _html(client.get(shop.candles.get_absolute_url(), {"price_min": "oops", "price_max": "5"}))

    assert "CHEAP LANTERN" in html
    assert "DEAR LANTERN" not in html


def test_htmx_filter_request_gets_only_the_results_and_a_clean_url_to_push(client, shop: Shop):
    _fill(shop.candles, 30)

    response = client.get(
        shop.candles.get_absolute_url(),
        {"sort": "popular", "per_page": "24", "price_min": "", "price_max": "", "page": "2"},
        **HTMX_RESULTS,
    )

    html = _html(response)
    assert "<html" not in html
    assert '<ul class="grid product-grid"' in html
    assert f'id="results-status" hx-swap-oob="innerHTML">{_showing(25, 30, 30)}' in html
    assert response["HX-Push-Url"] == "/c/candles-lanterns/?page=2"
    assert "HX-Request" in response["Vary"]


def test_htmx_partial_updates_the_messages_next_to_the_fields(client, shop: Shop):
    response = client.get(shop.candles.get_absolute_url(), {"price_min": "-1"}, **HTMX_RESULTS)

    assert (
        '<p class="form-field__error" id="filter-price_min-error" hx-swap-oob="true">Prices start at 0. </p>'
        in _html(response)
    )


def test_htmx_history_restore_gets_the_whole_page(client, shop: Shop):
    response = client.get(
        shop.candles.get_absolute_url(), **HTMX_RESULTS, HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert "<html" in _html(response)


def test_filter_form_works_without_javascript(client, shop: Shop):
    html = _html(client.get(shop.candles.get_absolute_url()))

    form = html.split('<form id="product-filters"')[1].split("</form>")[0]
    assert 'method="get"' in form
    assert 'action="/c/candles-lanterns/"' in form
    assert 'hx-target="#results"' in form
    assert 'hx-push-url="true"' in form
    assert '<button class="button button--primary" type="submit">Apply</button>' in form
    for label in ("Sort by", "Per page", "Min price (£)", "Max price (£)", "In stock only"):
        assert label in form


# --- Product pages ---------------------------------------------------------------------------


def test_product_page_shows_price_stock_and_an_add_to_cart_form(client, shop: Shop):
    product = make_product(
        "WHITE HANGING HEART T-LIGHT HOLDER", category=shop.candles, price="2.55", compare_at="2.95", stock=3
    )

    html = _html(client.get(product.get_absolute_url()))

    assert '<h1 id="product-title" class="product__title">WHITE HANGING HEART T-LIGHT HOLDER</h1>' in html
    assert '<span class="price">£2.55</span>' in html
    assert '<span class="visually-hidden">, was</span><s class="price--compare">£2.95</s>' in html
    assert "Only 3 left" in html
    form = html.split('<form class="form add-to-cart"')[1].split("</form>")[0]
    assert 'method="post" action="/cart/add/"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert f'<input type="hidden" name="variant" value="{product.variants.get().pk}">' in form
    assert 'name="quantity"' in form
    assert 'type="radio"' not in form


def test_product_with_several_variants_offers_a_choice(client, shop: Shop):
    product = ProductFactory.create(name="PACK OF 72 RETROSPOT CAKE CASES", category=shop.home, variant=None)
    VariantFactory.create(product=product, name="Pack of 72", price_amount=Decimal("0.55"))
    VariantFactory.create(product=product, name="Pack of 144", price_amount=Decimal("0.95"), stock_on_hand=0)

    html = _html(client.get(product.get_absolute_url()))

    assert html.count('type="radio" name="variant"') == 2
    assert "Choose an option</legend>" in html
    assert "From £0.55" in html
    assert re.search(r'type="radio" name="variant" value="\d+" disabled required', html)  # sold out


def test_sold_out_product_cannot_be_added(client, shop: Shop):
    product = make_product("SOLD OUT LANTERN", category=shop.candles, stock=0)

    html = _html(client.get(product.get_absolute_url()))

    assert '<span class="stock--out">Out of stock</span>' in html
    assert re.search(
        r'<button class="button button--primary add-to-cart__button" type="submit" disabled>', html
    )


def test_product_page_says_what_delivery_costs_and_how_returns_work(client, shop: Shop, settings):
    settings.RETURNS_DAYS = 14
    ShippingMethodFactory.create(
        name="UK standard", price_amount=Decimal("3.95"), free_over_amount=Decimal(50), position=1
    )
    ShippingMethodFactory.create(name="UK express", price_amount=Decimal("6.95"), position=2)
    ShippingMethodFactory.create(name="Old courier", is_active=False)
    ShippingMethodFactory.create(name="Euro post", currency="EUR")
    product = make_product("WHITE METAL LANTERN", category=shop.candles)

    html = _html(client.get(product.get_absolute_url()))

    delivery = html.split('id="delivery-title"')[1].split("</section>")[0]
    assert re.findall(r"<li><span>([^<]+)</span>", delivery) == ["UK standard", "UK express"]
    assert '<span class="price">£3.95</span>' in delivery
    assert "free on orders of £50.00 or more" in delivery
    assert settings.DISPATCH_PROMISE in delivery
    assert "within 14 days" in delivery


def test_product_page_shows_a_changed_shipping_method_at_once(
    client, shop: Shop, django_capture_on_commit_callbacks
):
    method = ShippingMethodFactory.create(name="UK standard", price_amount=Decimal("3.95"))
    product = make_product("WHITE METAL LANTERN", category=shop.candles)
    client.get(product.get_absolute_url())  # the options are cached now

    with django_capture_on_commit_callbacks(execute=True):
        method.price_amount = Decimal("4.50")
        method.save()

    assert '<span class="price">£4.50</span>' in _html(client.get(product.get_absolute_url()))


def test_product_page_has_breadcrumbs_related_products_and_attributes(client, shop: Shop):
    product = make_product(
        "WHITE METAL LANTERN",
        category=shop.candles,
        attributes={"material": "tin", "colours": ["white", "red"]},
    )
    make_product("ZINC T-LIGHT HOLDER STAR LARGE", category=shop.candles, sold=40)
    make_product("IVORY KITCHEN WALL CLOCK", category=shop.clocks, sold=90)

    html = _html(client.get(product.get_absolute_url()))

    crumbs = html.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert re.findall(r'<a href="([^"]+)">', crumbs) == ["/", "/c/home/", "/c/candles-lanterns/"]
    related = html.split("More from Candles &amp; Lanterns")[1]
    assert "ZINC T-LIGHT HOLDER STAR LARGE" in related
    assert "IVORY KITCHEN WALL CLOCK" not in related
    assert "<dt>Material</dt><dd>tin</dd>" in html
    assert "<dt>Colours</dt><dd>white, red</dd>" in html


def test_product_cards_print_names_escaped_wherever_they_show(client, shop: Shop):
    """The cards are a Jinja2 fragment (docs/decisions/0017): it escapes as the pages do."""
    hostile = make_product('<img src=x onerror="alert(1)"> Lantern & Co', category=shop.candles, sold=99)
    make_product("ZINC T-LIGHT HOLDER STAR LARGE", category=shop.candles, sold=40)
    related_page = make_product("WHITE METAL LANTERN", category=shop.candles)

    for url in (
        "/",
        "/c/candles-lanterns/",
        "/search/?q=lantern",
        related_page.get_absolute_url(),
    ):
        html = _html(client.get(url))
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Lantern &amp; Co" in html, url
        assert "<img src=x" not in html, url
        assert f'href="{hostile.get_absolute_url()}"' in html, url


def test_product_without_pictures_shows_a_placeholder(client, shop: Shop):
    product = make_product("WHITE METAL LANTERN", category=shop.candles)

    html = _html(client.get(product.get_absolute_url()))

    assert 'role="img" aria-label="No photo of this product yet"' in html


def test_product_pictures_offer_sized_thumbnails(
    client, shop: Shop, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    product = make_product("WHITE METAL LANTERN", category=shop.candles)
    with django_capture_on_commit_callbacks(execute=True):  # the thumbnail task, inline
        ProductImageFactory.create(product=product, alt_text="A white lantern on a table")

    html = _html(client.get(product.get_absolute_url()))

    image = re.search(r"<img [^>]*>", html.split('class="product__picture"')[1])
    assert image is not None
    assert "-400.webp 400w" in image.group(0)
    assert "-960.webp 960w" in image.group(0)
    assert 'alt="A white lantern on a table"' in image.group(0)
    assert 'width="64" height="48"' in image.group(0)  # the photo's own ratio: nothing shifts as it loads
    assert 'sizes="' in image.group(0)


def test_every_photo_on_product_and_category_pages_reserves_its_space(client, shop: Shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = make_product("WHITE METAL LANTERN", category=shop.candles)
    ProductImageFactory.create_batch(3, product=product)

    for url in (product.get_absolute_url(), shop.candles.get_absolute_url()):
        images = re.findall(r"<img [^>]*>", _html(client.get(url)))
        assert images
        assert all(re.search(r'width="\d+" height="\d+"', image) for image in images), images


def test_unpublished_product_is_404(client, shop: Shop):
    product = make_product("HIDDEN LANTERN", category=shop.candles, is_published=False)

    assert client.get(product.get_absolute_url()).status_code == 404


def test_an_edit_in_the_admin_shows_on_the_next_request(
    client, shop: Shop, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_MFA_REQUIRED = False  # the staff login itself is not what this test is about
    product = make_product("WHITE METAL LANTERN", category=shop.candles)
    assert "WHITE METAL LANTERN" in _html(client.get(product.get_absolute_url()))  # now cached
    assert "WHITE METAL LANTERN" in _html(client.get(shop.candles.get_absolute_url()))
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    admin = client.__class__()
    admin.force_login(staff)
    variant = product.variants.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:catalog_product_change", args=[product.pk]),
            {
                "name": "WHITE METAL LANTERN, LARGE",
                "slug": product.slug,
                "category": shop.candles.pk,
                "description": "",
                "attributes": "{}",
                "is_published": "on",
                "seo_title": "",
                "seo_description": "",
                "variants-TOTAL_FORMS": "1",
                "variants-INITIAL_FORMS": "1",
                "variants-0-id": variant.pk,
                "variants-0-product": product.pk,
                "variants-0-sku": variant.sku,
                "variants-0-name": "",
                "variants-0-price_amount": "3.75",
                "variants-0-currency": "GBP",
                "variants-0-stock_on_hand": "12",
                "variants-0-position": "0",
                "images-TOTAL_FORMS": "0",
                "images-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302, response.content

    assert "WHITE METAL LANTERN, LARGE" in _html(client.get(product.get_absolute_url()))
    listing = _html(client.get(shop.candles.get_absolute_url()))
    assert "WHITE METAL LANTERN, LARGE" in listing
    assert "£3.75" in listing


def test_unpublishing_a_product_takes_it_off_the_shop_at_once(
    client, shop: Shop, django_capture_on_commit_callbacks
):
    product = make_product("WHITE METAL LANTERN", category=shop.candles)
    client.get(product.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        product.is_published = False
        product.save()

    assert client.get(product.get_absolute_url()).status_code == 404
    assert "WHITE METAL LANTERN" not in _html(client.get(shop.candles.get_absolute_url()))


# --- Query counts ----------------------------------------------------------------------------


@pytest.fixture
def catalogue(shop: Shop) -> Shop:
    _fill(shop.candles, 30)
    _fill(shop.clocks, 30, start=30)
    return shop


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/c/home/",
        "/c/home/?sort=price-asc&in_stock=on&price_min=1&price_max=8&per_page=48&page=2",
        "/c/home/?page=99999&sort=bogus",
        "/search/?q=holder",
        "/search/suggest/?q=holder",
    ],
)
def test_storefront_pages_stay_within_the_query_budget(
    client, catalogue: Shop, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        assert client.get(url).status_code == 200


def test_product_page_stays_within_the_query_budget(client, catalogue: Shop, django_assert_max_num_queries):
    product = Product.objects.filter(category=catalogue.candles).first()
    assert product is not None

    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        assert client.get(product.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("url", ["/", "/c/home/", "/c/candles-lanterns/?per_page=48", "/search/?q=holder"])
def test_listing_queries_do_not_grow_with_the_number_of_products(client, shop: Shop, url):
    _fill(shop.candles, 2)
    few = _count_cold_queries(client, url)
    _fill(shop.candles, 46, start=2)

    many = _count_cold_queries(client, url)

    assert few == many


def test_suggestion_queries_do_not_grow_with_the_number_of_matches(client, shop: Shop):
    make_product("WHITE HANGING HEART T-LIGHT HOLDER", category=shop.candles)
    few = _count_cold_queries(client, "/search/suggest/?q=holder")
    for number in range(20):
        make_product(f"GLASS STAR FROSTED T-LIGHT HOLDER {number}", category=shop.candles)

    assert _count_cold_queries(client, "/search/suggest/?q=holder") == few


def test_product_page_queries_do_not_grow_with_variants_or_pictures(client, shop: Shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    simple = make_product("WHITE METAL LANTERN", category=shop.candles)
    ProductImageFactory.create(product=simple)
    make_product("ZINC LANTERN", category=shop.candles)
    rich = ProductFactory.create(name="PACK OF 72 RETROSPOT CAKE CASES", category=shop.candles, variant=None)
    VariantFactory.create_batch(10, product=rich)
    ProductImageFactory.create_batch(5, product=rich)

    assert _count_cold_queries(client, simple.get_absolute_url()) == _count_cold_queries(
        client, rich.get_absolute_url()
    )


@pytest.mark.parametrize("url", ["/", "/c/home/?sort=price-asc&page=2", "/search/?q=lantern", "/p/{slug}/"])
def test_a_warm_page_runs_no_query_for_an_anonymous_shopper(
    client, catalogue: Shop, url, django_assert_num_queries
):
    slug = Product.objects.filter(category=catalogue.candles).values_list("slug", flat=True).first()
    url = url.format(slug=slug)
    client.get(url)

    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200


def test_a_warm_page_costs_a_logged_in_shopper_only_the_session_user_and_saved_products(
    client, catalogue: Shop, django_assert_max_num_queries
):
    client.force_login(UserFactory.create())
    client.get("/c/home/")

    # The third is the customer's saved products, for the cards' "Save"/"Saved" buttons (one
    # indexed query whatever the page size: emporium/wishlist/templatetags/wishlist.py).
    with django_assert_max_num_queries(3):
        assert client.get("/c/home/").status_code == 200
