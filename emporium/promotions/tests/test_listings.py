"""Sale prices on listings and product pages: struck through, named, on time, and for a fixed
number of queries whatever the number of products or promotions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from emporium.catalog.tests.caches import empty_caches
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.promotions.tests.factories import PromotionFactory

pytestmark = pytest.mark.django_db
# A sale price as the cards and the buy box print it (the class alone is also in the page's inlined CSS).
SALE = 'class="price price--sale"'


@pytest.fixture
def candles():
    home = CategoryFactory.create(name="Home", slug="home")
    candles = CategoryFactory.create(name="Candles", slug="candles", parent=home)
    clocks = CategoryFactory.create(name="Clocks", slug="clocks", parent=home)
    make_product("Zinc T-light holder", category=candles, price="10.00")
    make_product("Station clock", category=clocks, price="20.00")
    return home, candles


def _cold_queries(client, url: str) -> int:

    empty_caches()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_category_promotion_strikes_the_price_on_the_category_page_and_names_the_sale(client, candles):
    home, _ = candles
    PromotionFactory.create(name="Candle week", applies_to_all_products=False, categories=[home], value=25)

    html = client.get("/c/home/").content.decode()

    # The sub-categories count: both products are under Home.
    assert '<span class="price price--sale">£7.50</span>' in html
    assert '<s class="price--was">£10.00</s>' in html
    assert '<span class="price price--sale">£15.00</span>' in html
    assert html.count("Candle week") == 2


def test_only_targeted_products_show_a_sale_price(client, candles):
    _, candles_category = candles
    PromotionFactory.create(name="Candle week", applies_to_all_products=False, categories=[candles_category])

    html = client.get("/c/home/").content.decode()

    assert html.count(SALE) == 1
    assert '<span class="price">£20.00</span>' in html


def test_the_product_page_shows_the_sale_price_the_cart_charges(client, candles):
    PromotionFactory.create(name="Everything 10% off", value=10)
    product_html = client.get("/c/home/").content.decode()
    assert "£9.00" in product_html
    from emporium.catalog.models import Product

    product = Product.objects.get(name="Zinc T-light holder")
    html = client.get(product.get_absolute_url()).content.decode()
    assert '<span class="price price--sale">£9.00</span>' in html

    client.post("/cart/add/", {"variant": product.variants.get().pk, "quantity": 3})
    cart = client.get("/cart/").content.decode()
    assert "£27.00" in cart


def test_offers_for_signed_in_or_first_order_customers_are_not_shown_on_shared_pages(client, candles):
    PromotionFactory.create(name="Members", segment="signed_in")

    assert SALE not in client.get("/c/home/").content.decode()


def test_a_sale_starts_on_time_on_a_page_cached_before_it(client, candles, monkeypatch):
    start = timezone.now() + timedelta(hours=1)
    PromotionFactory.create(name="Midnight sale", starts_at=start, value=50)
    assert SALE not in client.get("/c/home/").content.decode()  # cached until the start

    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=1))

    assert '<span class="price price--sale">£5.00</span>' in client.get("/c/home/").content.decode()


def test_a_sale_ends_on_time_on_a_page_cached_during_it(client, candles, monkeypatch):
    end = timezone.now() + timedelta(hours=1)
    PromotionFactory.create(name="Flash sale", ends_at=end, value=50)
    assert SALE in client.get("/c/home/").content.decode()

    monkeypatch.setattr(timezone, "now", lambda: end)

    assert SALE not in client.get("/c/home/").content.decode()


def test_editing_a_promotion_shows_on_the_next_visit(client, candles, django_capture_on_commit_callbacks):
    promotion = PromotionFactory.create(name="Sale", value=10)
    assert "£9.00" in client.get("/c/home/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        promotion.value = Decimal(30)
        promotion.save()

    assert "£7.00" in client.get("/c/home/").content.decode()


@pytest.mark.parametrize("url", ["/c/home/", "/search/?q=holder", "/"])
def test_listing_queries_do_not_grow_with_products_or_promotions(client, candles, url):
    _, candles_category = candles
    PromotionFactory.create(applies_to_all_products=False, categories=[candles_category])
    few = _cold_queries(client, url)
    for number in range(20):
        make_product(f"Glass T-light holder {number}", category=candles_category, price="3.00")
    for _ in range(10):
        PromotionFactory.create(applies_to_all_products=False, categories=[candles_category], value=5)

    assert _cold_queries(client, url) == few


def test_a_warm_listing_with_sale_prices_runs_no_query(client, candles, django_assert_num_queries):
    PromotionFactory.create(value=10)
    client.get("/c/home/")

    with django_assert_num_queries(0):
        assert SALE in client.get("/c/home/").content.decode()
