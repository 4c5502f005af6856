import json
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from emporium.catalog.models import Category, Product
from emporium.catalog.tests.factories import ProductFactory, Shop, VariantFactory, make_product

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _html(client, url: str, data: dict[str, str] | None = None) -> str:
    response = client.get(url, data)
    assert response.status_code == 200
    return response.content.decode()


def _head(html: str) -> str:
    return html.split("</head>")[0]


def _meta(html: str, attribute: str, name: str) -> str | None:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', _head(html))
    return found.group(1) if found else None


def _json_ld(html: str) -> list[dict[str, object]]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def _canonical(html: str) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]+)">', _head(html))
    return found.group(1) if found else None


# --- Canonical links and meta tags -----------------------------------------------------------


def test_category_canonical_drops_filters_and_keeps_a_later_page(client, shop: Shop):
    for number in range(30):
        make_product(f"ZINC T-LIGHT HOLDER {number}", category=shop.candles)

    first = _html(client, "/c/candles-lanterns/", {"sort": "price-asc", "in_stock": "on"})
    second = _html(client, "/c/candles-lanterns/", {"sort": "price-asc", "page": "2", "per_page": "24"})

    assert _canonical(first) == "http://testserver/c/candles-lanterns/"
    assert _canonical(second) == "http://testserver/c/candles-lanterns/?page=2"


def test_category_meta_description_falls_back_to_its_description(client, shop: Shop):
    html = _html(client, "/c/candles-lanterns/")

    assert _meta(html, "name", "description") == "Light for long evenings."
    assert _meta(html, "property", "og:title") == "Candles &amp; Lanterns"
    assert _meta(html, "property", "og:url") == "http://testserver/c/candles-lanterns/"


def test_seo_fields_win_when_staff_fill_them(client, shop: Shop):
    Category.objects.filter(pk=shop.clocks.pk).update(
        seo_title="Wall and mantel clocks", seo_description="Clocks in tin, wood and glass."
    )

    html = _html(client, "/c/clocks/")

    assert "<title>Wall and mantel clocks · Emporium</title>" in html
    assert _meta(html, "name", "description") == "Clocks in tin, wood and glass."


def test_product_meta_description_is_the_trimmed_description(client, shop: Shop):
    product = make_product("WHITE METAL LANTERN", category=shop.candles, description="Tin lantern.  " * 40)

    description = _meta(_html(client, product.get_absolute_url()), "name", "description")

    assert description is not None
    assert len(description) <= 155
    assert description.startswith("Tin lantern. Tin lantern.")
    assert description.endswith("…")


def test_product_open_graph_tags(client, shop: Shop):
    product = make_product("WHITE METAL LANTERN", category=shop.candles, price="3.75")

    html = _html(client, product.get_absolute_url())

    assert _canonical(html) == f"http://testserver{product.get_absolute_url()}"
    assert _meta(html, "property", "og:type") == "product"
    assert _meta(html, "property", "og:title") == "WHITE METAL LANTERN"
    assert _meta(html, "property", "og:url") == f"http://testserver{product.get_absolute_url()}"
    assert _meta(html, "property", "product:price:amount") == "3.75"
    assert _meta(html, "property", "product:price:currency") == "GBP"


def test_home_has_a_canonical_link(client):
    assert _canonical(_html(client, "/")) == "http://testserver/"


# --- Structured data -------------------------------------------------------------------------


def test_product_page_describes_the_product_in_json_ld(client, shop: Shop):
    product = ProductFactory.create(
        name="PACK OF 72 RETROSPOT CAKE CASES", category=shop.candles, variant=None
    )
    VariantFactory.create(product=product, sku="21212", price_amount=Decimal("0.55"), stock_on_hand=40)
    VariantFactory.create(product=product, sku="21212-144", price_amount=Decimal("0.95"), stock_on_hand=0)

    data = next(d for d in _json_ld(_html(client, product.get_absolute_url())) if d["@type"] == "Product")

    assert data["@context"] == "https://schema.org"
    assert data["name"] == "PACK OF 72 RETROSPOT CAKE CASES"
    assert data["sku"] == "21212"
    assert data["url"] == f"http://testserver{product.get_absolute_url()}"
    assert data["offers"] == [
        {
            "@type": "Offer",
            "sku": "21212",
            "name": "PACK OF 72 RETROSPOT CAKE CASES",
            "price": "0.55",
            "priceCurrency": "GBP",
            "availability": "https://schema.org/InStock",
            "itemCondition": "https://schema.org/NewCondition",
            "url": f"http://testserver{product.get_absolute_url()}",
        },
        {
            "@type": "Offer",
            "sku": "21212-144",
            "name": "PACK OF 72 RETROSPOT CAKE CASES",
            "price": "0.95",
            "priceCurrency": "GBP",
            "availability": "https://schema.org/OutOfStock",
            "itemCondition": "https://schema.org/NewCondition",
            "url": f"http://testserver{product.get_absolute_url()}",
        },
    ]


def test_json_ld_cannot_close_its_script_element(client, shop: Shop):
    product = make_product(
        "LANTERN </script><script>alert(1)</script>",
        category=shop.candles,
        description="<!-- & </SCRIPT> -->",
    )

    html = _html(client, product.get_absolute_url())

    head = _head(html)
    assert "<script>alert(1)" not in head
    assert "</SCRIPT>" not in head
    data = next(d for d in _json_ld(html) if d["@type"] == "Product")
    assert data["name"] == "LANTERN </script><script>alert(1)</script>"  # intact once parsed


def test_pages_carry_a_breadcrumb_list(client, shop: Shop):
    product = make_product("WHITE METAL LANTERN", category=shop.candles)

    data = next(
        d for d in _json_ld(_html(client, product.get_absolute_url())) if d["@type"] == "BreadcrumbList"
    )

    assert [(item["position"], item["name"], item["item"]) for item in data["itemListElement"]] == [  # type: ignore[attr-defined]
        (1, "Home", "http://testserver/c/home/"),
        (2, "Candles & Lanterns", "http://testserver/c/candles-lanterns/"),
        (3, "WHITE METAL LANTERN", f"http://testserver{product.get_absolute_url()}"),
    ]


# --- Sitemap and robots.txt ------------------------------------------------------------------


def test_sitemap_index_names_a_sitemap_per_section(client, shop: Shop):
    response = client.get("/sitemap.xml")

    root = ElementTree.fromstring(response.content)
    locations = [element.text for element in root.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert response["Content-Type"] == "application/xml"
    assert locations == ["http://testserver/sitemap-categories.xml", "http://testserver/sitemap-products.xml"]


def test_sitemap_lists_categories_and_published_products_only(client, shop: Shop):
    shown = make_product("WHITE METAL LANTERN", category=shop.candles)
    make_product("HIDDEN LANTERN", category=shop.candles, is_published=False)

    products = ElementTree.fromstring(client.get("/sitemap-products.xml").content)
    categories = ElementTree.fromstring(client.get("/sitemap-categories.xml").content)

    assert [e.text for e in products.findall("sm:url/sm:loc", SITEMAP_NS)] == [
        f"http://testserver{shown.get_absolute_url()}"
    ]
    assert len(products.findall("sm:url/sm:lastmod", SITEMAP_NS)) == 1
    assert sorted(e.text or "" for e in categories.findall("sm:url/sm:loc", SITEMAP_NS)) == [
        "http://testserver/c/bags/",
        "http://testserver/c/candles-lanterns/",
        "http://testserver/c/clocks/",
        "http://testserver/c/home/",
    ]


def test_a_big_catalogue_splits_into_sitemap_pages(client, shop: Shop, monkeypatch):
    from emporium.catalog.sitemaps import ProductSitemap

    monkeypatch.setattr(ProductSitemap, "limit", 2)
    for number in range(5):
        make_product(f"LANTERN {number}", category=shop.candles)

    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    third = ElementTree.fromstring(client.get("/sitemap-products.xml", {"p": "3"}).content)

    locations = [element.text for element in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert "http://testserver/sitemap-products.xml?p=3" in locations
    assert len(third.findall("sm:url", SITEMAP_NS)) == 1
    assert client.get("/sitemap-products.xml", {"p": "4"}).status_code == 404


def test_robots_txt_allows_the_shop_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    body = response.content.decode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "User-agent: *\nAllow: /\n" in body
    for path in ("/admin/", "/search/", "/cart/"):
        assert f"Disallow: {path}\n" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_published_products_have_clean_urls(shop: Shop):
    product = make_product("WHITE METAL LANTERN", category=shop.candles, slug="white-metal-lantern")

    assert Product.objects.get(pk=product.pk).get_absolute_url() == "/p/white-metal-lantern/"
    assert shop.candles.get_absolute_url() == "/c/candles-lanterns/"
