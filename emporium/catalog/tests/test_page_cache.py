"""The shared page cache for visitors who are not logged in (catalog.cache.cache_page_for_visitors)."""

import gzip
import re

import pytest
from django.test import Client
from django.urls import reverse

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.models import CartLine
from emporium.catalog.cache import CSRF_PLACEHOLDER, PAGE_FORMAT, VERSION_KEY, LocalPages, local_pages
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import Shop, VariantFactory, make_product
from emporium.core.gzip_holes import HoledGzip

pytestmark = pytest.mark.django_db


def _rename_without_signals(product: Product, name: str) -> None:
    # A queryset update sends no signal, so the catalog version stays: what a visitor then
    # sees tells whether the page came from the cache.
    Product.objects.filter(pk=product.pk).update(name=name)


def test_second_anonymous_visit_is_served_from_the_page_cache(client, shop: Shop, django_assert_num_queries):
    product = make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())
    _rename_without_signals(product, "Renamed behind the cache's back")

    with django_assert_num_queries(0):
        response = client.get(shop.candles.get_absolute_url())

    assert b"Zinc T-light holder" in response.content


def test_an_edit_shows_on_the_next_anonymous_visit(client, shop: Shop, django_capture_on_commit_callbacks):
    product = make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        product.name = "Zinc T-light holder, large"
        product.save()

    assert b"Zinc T-light holder, large" in client.get(shop.candles.get_absolute_url()).content


def test_htmx_partial_and_full_page_are_cached_apart(client, shop: Shop):
    make_product("Zinc T-light holder", category=shop.candles)
    url = shop.candles.get_absolute_url()

    full = client.get(url)
    partial = client.get(url, headers={"HX-Request": "true", "HX-Target": "results"})

    assert b"<html" in full.content
    assert b"<html" not in partial.content


def test_logged_in_customers_never_get_the_shared_copy(client, shop: Shop):
    make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())  # cached for visitors
    client.force_login(UserFactory.create(full_name="Ann Example"))

    response = client.get(shop.candles.get_absolute_url())

    assert response.templates, "rendered afresh, not copied from the visitors' cache"
    assert b"Log out" in response.content


def _form_tokens(response) -> set[bytes]:
    return _form_tokens_in(response.content)


def test_a_product_page_is_shared_with_each_visitor_given_their_own_csrf_token(shop: Shop):
    variant = VariantFactory.create(product__name="Zinc T-light holder", product__category=shop.candles)
    url = variant.product.get_absolute_url()
    first = Client(enforce_csrf_checks=True).get(url)  # rendered, stored with a placeholder
    visitor = Client(enforce_csrf_checks=True)

    second = visitor.get(url)

    assert first.templates
    assert not second.templates, "the second visitor gets the stored copy"
    assert CSRF_PLACEHOLDER.encode() not in first.content + second.content
    assert len(_form_tokens(first)) == 1, "one token, wherever the page's forms print it"
    assert len(_form_tokens(second)) == 1
    assert _form_tokens(first) != _form_tokens(second), "each visitor has a token of their own"
    assert "csrftoken" in second.cookies, "and the cookie that goes with it"
    # The copied form works without JavaScript: it posts with the token it printed.
    (token,) = _form_tokens(second)
    added = visitor.post(
        reverse("cart:add"), {"csrfmiddlewaretoken": token.decode(), "variant": variant.pk, "quantity": 1}
    )
    assert added.status_code == 302
    assert CartLine.objects.filter(variant=variant, quantity=1).exists()


def test_a_visitor_with_a_session_gets_a_product_page_rendered_with_a_real_token(client, shop: Shop):
    variant = VariantFactory.create(product__name="Zinc T-light holder", product__category=shop.candles)
    url = variant.product.get_absolute_url()
    client.get(url)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})  # a cart: a session

    response = client.get(url)

    assert response.templates, "rendered afresh: the page shows their cart"
    assert CSRF_PLACEHOLDER.encode() not in response.content
    assert len(_form_tokens(response)) >= 1


def test_a_page_without_a_token_is_copied_not_rendered(client, shop: Shop):
    make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())

    assert not client.get(shop.candles.get_absolute_url()).templates


# PageCacheMiddleware: hits answered before the rest of the stack.

_PER_RESPONSE_HEADERS = {"Set-Cookie", "X-Request-ID", "Date"}


def _headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in _PER_RESPONSE_HEADERS}


def test_a_copy_answered_by_the_middleware_has_the_headers_of_the_rendered_page(shop: Shop):
    variant = VariantFactory.create(product__name="Zinc T-light holder", product__category=shop.candles)
    url = variant.product.get_absolute_url()
    rendered = Client().get(url)

    copied = Client().get(url)

    assert rendered.templates
    assert not copied.templates
    assert not hasattr(copied.wsgi_request, "session"), "answered before the session middleware"
    assert _headers(copied) == _headers(rendered)
    assert copied["X-Frame-Options"] == "DENY"
    assert copied["Content-Length"] == str(len(copied.content))
    assert "Content-Security-Policy" in copied
    assert copied.cookies["csrftoken"].value, "the cookie the page's token goes with"


def test_a_visitor_keeps_their_csrf_cookie_on_a_copied_page(shop: Shop):
    variant = VariantFactory.create(product__name="Zinc T-light holder", product__category=shop.candles)
    url = variant.product.get_absolute_url()
    Client().get(url)
    visitor = Client(enforce_csrf_checks=True)
    first = visitor.get(url)
    cookie = visitor.cookies["csrftoken"].value

    second = visitor.get(url)

    assert not second.templates
    assert visitor.cookies["csrftoken"].value == cookie, "the same secret: the visitor had one"
    assert _form_tokens(first) != _form_tokens(second), "tokens are masked afresh each time"


# Pages are kept compressed around their token (core.gzip_holes) and sent as they are kept.

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _page(response) -> bytes:
    return (
        gzip.decompress(response.content) if response.get("Content-Encoding") == "gzip" else response.content
    )


@pytest.mark.parametrize("stored_by", ["view", "middleware"])
def test_a_browser_taking_gzip_gets_the_page_compressed_with_its_own_token(
    shop: Shop, stored_by, settings, monkeypatch
):
    if stored_by == "view":  # the view serves its own copies (a stack without the middleware)
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("PageCacheMiddleware")]
    variant = VariantFactory.create(product__name="Zinc T-light holder", product__category=shop.candles)
    url = variant.product.get_absolute_url()
    first = Client(enforce_csrf_checks=True).get(url, headers=GZIP)  # rendered, stored, sent
    visitor = Client(enforce_csrf_checks=True)

    def compressed_again(*args, **kwargs):
        raise AssertionError("GZipMiddleware compressed a copy again")

    monkeypatch.setattr("django.middleware.gzip.compress_string", compressed_again)

    second = visitor.get(url, headers=GZIP)

    assert first.templates
    assert not second.templates
    for response in (first, second):
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert response["Content-Length"] == str(len(response.content))
        assert b"Zinc T-light holder" in _page(response)
        assert CSRF_PLACEHOLDER.encode() not in _page(response)
    (token,) = _form_tokens_in(_page(second))
    added = visitor.post(
        reverse("cart:add"), {"csrfmiddlewaretoken": token.decode(), "variant": variant.pk, "quantity": 1}
    )
    assert added.status_code == 302, "the token in the compressed page goes with the visitor's cookie"


def test_the_same_page_reaches_browsers_that_take_gzip_and_clients_that_do_not(client, shop: Shop):
    make_product("Zinc T-light holder", category=shop.candles)
    url = shop.candles.get_absolute_url()
    rendered = client.get(url)  # without Accept-Encoding, as the test client sends

    compressed = client.get(url, headers=GZIP)
    plain = client.get(url)

    assert not compressed.templates
    assert not plain.templates
    assert "Content-Encoding" not in rendered
    assert "Content-Encoding" not in plain
    assert _page(compressed) == plain.content == rendered.content
    assert "Accept-Encoding" in plain["Vary"]


def test_the_shared_copy_is_kept_compressed(client, shop: Shop):
    from django.core.cache import cache

    make_product("Zinc T-light holder", category=shop.candles)
    page = client.get(shop.candles.get_absolute_url()).content

    (key,) = [key for key, _ in local_pages._pages.items()]
    body = cache.get(key)[1]
    assert isinstance(body, HoledGzip)
    assert len(body) < len(page) // 3
    assert body.text() == page


def test_a_token_of_another_length_than_stored_pages_expect_still_gets_a_working_page(
    shop: Shop, monkeypatch
):
    """Should Django's tokens change length, pages stored for 64 characters still serve."""
    from emporium.core import csrf

    variant = VariantFactory.create(product__name="Zinc T-light holder", product__category=shop.candles)
    url = variant.product.get_absolute_url()
    Client().get(url)  # stored
    monkeypatch.setattr("emporium.catalog.cache.get_token", lambda request: csrf.get_token(request) + "x")

    response = Client().get(url, headers=GZIP)

    assert response.status_code == 200
    assert len(_form_tokens_in(_page(response)).pop()) == 65


def _form_tokens_in(page: bytes) -> set[bytes]:
    return set(re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page))


def test_a_copy_stored_by_the_code_before_is_never_read(client, shop: Shop):
    """Workers of the old and the new code share Redis during a rolling deploy: each reads only
    copies of its own format, so neither meets a body it cannot serve."""
    from django.core.cache import cache

    make_product("Zinc T-light holder", category=shop.candles)
    url = shop.candles.get_absolute_url()
    page = client.get(url).content
    (key,) = [key for key, _ in local_pages._pages.items()]
    version, _body, headers, until, viewed = cache.get(key)
    local_pages.clear()
    cache.delete(key)
    old_key = key.replace(f"catalog:page:{PAGE_FORMAT}:", "catalog:page:")
    cache.set(old_key, (version, page.replace(b"Zinc", b"Old"), headers, until, viewed))

    response = client.get(url, headers=GZIP)

    assert response.templates, "rendered: the old worker's copy is not this one's"
    assert b"Zinc T-light holder" in _page(response)


class _PageReads:
    """Counts reads of the page cache (a spy around the real cache's get and get_many)."""

    def __init__(self, monkeypatch) -> None:
        from django.core.cache import cache

        self.count = 0
        real_get_many, real_get = cache.get_many, cache.get

        inside_get_many = False  # the local-memory cache's get_many calls its get

        def counting_get_many(keys, *args, **kwargs):
            nonlocal inside_get_many
            self.count += sum(1 for key in keys if key.startswith("catalog:page:"))
            inside_get_many = True
            try:
                return real_get_many(keys, *args, **kwargs)
            finally:
                inside_get_many = False

        def counting_get(key, *args, **kwargs):
            self.count += key.startswith("catalog:page:") and not inside_get_many
            return real_get(key, *args, **kwargs)

        monkeypatch.setattr(cache, "get_many", counting_get_many)
        monkeypatch.setattr(cache, "get", counting_get)


def test_a_miss_reads_the_page_cache_once(client, shop: Shop, monkeypatch):
    make_product("Zinc T-light holder", category=shop.candles)
    reads = _PageReads(monkeypatch)

    response = client.get(shop.candles.get_absolute_url())

    assert response.templates, "rendered"
    assert reads.count == 1, "the view does not look again after the middleware"


def test_pages_that_are_never_shared_are_not_looked_up(client, monkeypatch):
    reads = _PageReads(monkeypatch)

    assert client.get(reverse("cart:detail")).status_code == 200
    assert client.get("/no-such-page/").status_code == 404

    assert reads.count == 0


def test_without_the_middleware_the_view_serves_the_copy_itself(client, shop: Shop, settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if not name.endswith("PageCacheMiddleware")]
    make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())

    copied = client.get(shop.candles.get_absolute_url())

    assert not copied.templates
    assert b"Zinc T-light holder" in copied.content


# LocalPages: a worker answers the pages it served lately from its own memory.


def test_a_page_this_process_served_lately_is_answered_without_a_cache_read(client, shop: Shop, monkeypatch):
    make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())
    client.get(shop.candles.get_absolute_url())
    reads = _PageReads(monkeypatch)

    copied = client.get(shop.candles.get_absolute_url())

    assert not copied.templates
    assert b"Zinc T-light holder" in copied.content
    assert reads.count == 0


def test_another_process_s_edit_reaches_the_copies_once_the_version_is_read_again(
    client, shop: Shop, monkeypatch
):
    from django.core.cache import cache

    product = make_product("Zinc T-light holder", category=shop.candles)
    url = shop.candles.get_absolute_url()
    client.get(url)
    _rename_without_signals(product, "Zinc T-light holder, large")
    cache.incr(VERSION_KEY)  # as another worker's edit does: this process is not told

    assert b"Zinc T-light holder, large" not in client.get(url).content, "within the second: the copy"
    monkeypatch.setattr(local_pages, "version_seconds", 0)  # the second is over
    assert b"Zinc T-light holder, large" in client.get(url).content


def test_with_no_room_for_local_pages_every_visit_asks_the_shared_cache(
    client, shop: Shop, settings, monkeypatch
):
    settings.PAGE_CACHE_LOCAL_BYTES = 0  # as CACHE_DISABLED sets it: "caches off" means all
    make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())
    reads = _PageReads(monkeypatch)

    client.get(shop.candles.get_absolute_url())
    client.get(shop.candles.get_absolute_url())

    assert reads.count == 2


def _stored(version: int, size: int) -> tuple[object, ...]:
    return (version, b"x" * size, [], None, None)


def test_local_pages_keep_the_most_recently_used_within_their_size():
    pages = LocalPages(max_bytes=900, version_seconds=1)
    pages.put("a", _stored(1, 200))
    pages.put("b", _stored(1, 200))
    pages.put("c", _stored(1, 200))
    pages.get("a", 1)  # used: "b" is now the oldest
    pages.put("d", _stored(1, 200))
    pages.put("e", _stored(1, 200))

    assert pages.get("b", 1) is None
    assert [key for key in "acde" if pages.get(key, 1) is not None] == list("acde")
    assert pages.get("a", 2) is None, "a copy of another catalog version is no copy"
    pages.put("huge", _stored(1, 300))
    assert pages.get("huge", 1) is None, "a page over a quarter of the room is not kept"


def test_local_pages_read_the_version_again_after_their_second():
    pages = LocalPages(max_bytes=1000, version_seconds=60)
    assert pages.version() is None
    pages.remember_version(7)
    assert pages.version() == 7
    pages.version_seconds = 0
    assert pages.version() is None


def test_cards_kept_from_shared_pages_never_reach_a_customers_page(client, shop: Shop):
    """A shared page's cards are kept (local_cards), with the plain "Save" link a visitor without
    a session gets; a signed-in customer's page prints its own, with their save forms."""
    product = make_product("WHITE METAL LANTERN", category=shop.candles)
    link = f'href="{reverse("wishlist:save", args=[product.pk])}"'
    shared = client.get("/c/candles-lanterns/").content.decode()
    assert link in shared
    assert '<form class="save-button-form"' not in shared

    client.force_login(UserFactory.create())
    own = client.get("/c/candles-lanterns/?sort=name").content.decode()

    assert "WHITE METAL LANTERN" in own
    assert '<form class="save-button-form"' in own
    assert link not in own
