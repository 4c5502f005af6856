"""What the first response of a page costs a phone: compressed, no render-blocking CSS, an icon."""

import gzip

import pytest

from emporium.catalog.tests.factories import CategoryFactory, make_product

pytestmark = pytest.mark.django_db


def test_pages_are_compressed_for_browsers_that_accept_gzip(client):
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"<!doctype html>" in gzip.decompress(response.content)


def test_htmx_partials_are_compressed_too(client):
    category = CategoryFactory.create(name="Candles", slug="candles")
    for n in range(6):
        make_product(f"GLASS LANTERN {n}", category=category)

    response = client.get(
        "/c/candles/?sort=price-asc",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
        HTTP_ACCEPT_ENCODING="gzip",
    )

    body = gzip.decompress(response.content).decode()
    assert response["Content-Encoding"] == "gzip"
    assert "<html" not in body  # the partial, not the page
    assert "GLASS LANTERN 0" in body


def test_the_stylesheet_is_inlined_and_the_script_deferred(client):
    html = client.get("/").content.decode()

    head = html.split("</head>")[0]
    assert "<style>:root{" in head
    assert 'rel="stylesheet"' not in head
    assert '<script type="module" crossorigin src="/static/assets/main-' in head
    assert "<script>" not in html  # no inline script: a strict script CSP stays possible


def test_the_site_has_an_icon(client):
    html = client.get("/").content.decode()

    icon = client.get("/favicon.ico")

    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in html
    assert icon.status_code == 200
    assert icon["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert client.get("/favicon.svg")["Content-Type"] == "image/svg+xml"
