"""A version number for everything the storefront shows about the catalog.

Cached pages and fragments put the version in their keys. Any write to a product, variant,
image or category bumps it, so the next request after an edit in the admin misses the cache
and shows the edit; nothing has to find and delete the old entries, which simply expire.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_TOKEN_LENGTH
from django.middleware.gzip import re_accepts_gzip
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from emporium.catalog.events import product_viewed
from emporium.core.csrf import get_token
from emporium.core.gzip_holes import HoledGzip
from emporium.core.templatetags.assets import inlined_storefront_css

VERSION_KEY = "catalog:version"
T = TypeVar("T")


# The version a page-cached request read with its page (``cache_page_for_visitors``): the
# data it then builds (category, listing, facets, navigation) is keyed by the same version
# without a round trip each. Set only for the request, in its own context.
_request_version: ContextVar[int | None] = ContextVar("catalog_request_version", default=None)


def get_catalog_version() -> int:
    known = _request_version.get()
    if known is not None:
        return known
    version = cache.get(VERSION_KEY)
    if version is None:
        # Start from the clock, not 1: after a cache flush, old keys must not come back.
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return int(version)


def bump_catalog_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any fresh number will do
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    local_pages.forget_version()


def cached_for_catalog(*, key: str, build: Callable[[], T], timeout: int = 60 * 15) -> T:
    """Return what ``build()`` returns, cached under the current catalog version.

    Cache data, not HTML: pages hold a CSRF token and the visitor's own header, which must
    never be shared. ``key`` must name everything the result depends on (slug, filters, sort,
    page). An edit anywhere in the catalog bumps the version, so the next request rebuilds.
    """
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    version = get_catalog_version()
    full_key = f"catalog:{version}:{digest}"
    value = local_data.get(full_key, version)
    if value is not _MISSING:
        return cast(T, value)
    value = cache.get(full_key, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(full_key, value, timeout)
    local_data.put(full_key, version, value)
    return cast(T, value)


_MISSING = object()


class LocalData:
    """The catalog data (``cached_for_catalog``) this process read or built lately, under the
    current catalog version only.

    A page rendered from scratch still found most of its data in the cache: its category, the
    header's categories, the facet counts and the listing's count, the sale rules, five or six
    Redis round trips of 0.1-0.2 ms each, and as many unpicklings. An entry's key names its
    catalog version, so a copy can never be stale: an edit bumps the version, the next request
    reads the new one and this process drops every copy of the old. Up to ``max_entries``
    (``CATALOG_LOCAL_ENTRIES`` when not given; 0: nothing is kept), least recently used out
    first. The values are shared by the requests that read them, so they must be immutable
    (the selectors' frozen dataclasses and tuples).
    """

    def __init__(self, *, max_entries: int | None = None, setting: str = "CATALOG_LOCAL_ENTRIES") -> None:
        self._max_entries = max_entries
        self._setting = setting
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._version: int | None = None
        self._lock = threading.Lock()  # gthread workers serve from several threads

    @property
    def max_entries(self) -> int:
        return self._max_entries if self._max_entries is not None else int(getattr(settings, self._setting))

    def get(self, key: Hashable, version: int) -> object:
        with self._lock:
            if version != self._version:
                return _MISSING
            value = self._entries.get(key, _MISSING)
            if value is not _MISSING:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, version: int, value: object) -> None:
        max_entries = self.max_entries
        if not max_entries:
            return
        with self._lock:
            if version != self._version:
                if self._version is not None and version < self._version:
                    return  # a request still reading an older version: keep the newer copies
                self._entries.clear()
                self._version = version
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version = None


local_data = LocalData()


class LocalCards:
    """The markup of the product cards this process printed on shared pages lately.

    A listing rendered from scratch spent about a fifth of its time printing its 24 cards
    (picture, sale price, rating, save link), though a card on a shared page (one rendered for
    the page cache: no session, so no visitor's own state) is the same wherever it shows. Each
    card is kept under the catalog version (sale rules and exclusions move it too) and the card
    itself (every field it shows), up to ``CATALOG_LOCAL_CARDS`` of them. A card is true only
    until the moment its page said it stops being true (``request.page_cache_until``: the next
    sale to start or end), and a card served from here says that moment again to the page it is
    printed on, as printing it would have.
    """

    def __init__(self, *, max_entries: int | None = None) -> None:
        self._cards = LocalData(max_entries=max_entries, setting="CATALOG_LOCAL_CARDS")

    def html(
        self, request: HttpRequest, cards: Iterable[Any], *, show_category: bool, render: Callable[[Any], str]
    ) -> str:
        """The cards' markup, each from memory or from ``render(card)``."""
        version = get_catalog_version()
        now = timezone.now()
        parts = []
        for card in cards:
            key = (card, show_category)
            found = self._cards.get(key, version)
            if found is not _MISSING:
                html, until = cast(tuple[str, datetime | None], found)
                if until is None or now < until:
                    _note_until(request, until)
                    parts.append(html)
                    continue
            html = render(card)
            self._cards.put(key, version, (html, getattr(request, "page_cache_until", None)))
            parts.append(html)
        return "".join(parts)

    def clear(self) -> None:
        self._cards.clear()


def _note_until(request: HttpRequest, until: datetime | None) -> None:
    known: datetime | None = getattr(request, "page_cache_until", None)
    if until is not None and (known is None or until < known):
        request.page_cache_until = until  # type: ignore[attr-defined]


local_cards = LocalCards()


# Request headers that change what a listing view answers (htmx asks for the results region
# only), so they belong in the page cache key.
_VARYING_HEADERS = ("HX-Request", "HX-Target", "HX-History-Restore-Request")
PAGE_TIMEOUT = 60 * 15
# What a page rendered for the cache prints where its forms' CSRF token goes; each response
# gets the visitor's own token in its place (``csrf_placeholder`` and the wrapper below).
CSRF_PLACEHOLDER = "emporium-page-cache-csrf-token-placeholder"
_CSRF_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
# In the keys of stored pages: bumped when what is stored changes shape (2: the body is a
# ``HoledGzip``), so during a rolling deploy old and new workers never read each other's copies.
PAGE_FORMAT = 2


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor: the placeholder as ``csrf_token`` while a page is rendered for the
    page cache (after Django's own ``csrf`` processor, so it wins), nothing otherwise."""
    return {"csrf_token": CSRF_PLACEHOLDER} if getattr(request, "_renders_for_page_cache", False) else {}


def announce_product_view(request: HttpRequest, *, product_id: int) -> None:
    """Tell the apps that count views (catalog.events.product_viewed); the page cache says it
    again for every request it answers with this page."""
    request._viewed_product_id = product_id  # type: ignore[attr-defined]
    product_viewed.send(sender=None, request=request, product_id=product_id)


def cache_page_for_visitors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a whole catalog page from the cache to visitors who are not logged in.

    Template rendering is most of a page's cost even when its data is cached, and most
    traffic is anonymous, so their copies are shared, under the catalog version like the
    data. Only requests without a session or pending messages are served from it, and only
    responses that set no cookie are stored, so nothing personal is ever shared. Forms keep
    working without JavaScript: the page is stored with a placeholder where the CSRF token
    goes, and every response carries the visitor's own token (and cookie) in its place. A
    product page's view is announced for every request it answers. Logged-in customers
    always get a freshly rendered page.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_use_shared_page(request):
            return view(request, *args, **kwargs)
        # PageCacheMiddleware looked already (and found nothing) for most requests; a stack
        # without it, or a request it let through, looks here.
        looked: PageLookup | None = getattr(request, "_page_cache_lookup", None)
        if looked is None:
            looked = look_up_page(request)
            if looked.stored is not None:
                return response_from_stored_page(request, looked.stored)
        key, version = looked.key, looked.version
        token = _request_version.set(int(version))
        request._renders_for_page_cache = True  # type: ignore[attr-defined]
        try:
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
        finally:
            request._renders_for_page_cache = False  # type: ignore[attr-defined]
            _request_version.reset(token)
        if getattr(response, "streaming", False):
            return response
        # A page may be true only until a moment (a sale shown on it starts or ends then): the
        # template tags that know say so in request.page_cache_until (emporium.promotions).
        until: datetime | None = getattr(request, "page_cache_until", None)
        timeout = PAGE_TIMEOUT
        if until is not None:
            timeout = min(PAGE_TIMEOUT, int((until - timezone.now()).total_seconds()))
        if (
            response.status_code == 200
            and timeout > 0
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        ):
            viewed = getattr(request, "_viewed_product_id", None)
            body = HoledGzip.compress(
                response.content,
                hole=_CSRF_PLACEHOLDER_BYTES,
                filling_length=CSRF_TOKEN_LENGTH,
                shared=inlined_storefront_css(),  # compressed once, not with every page
            )
            entry = (version, body, list(response.headers.items()), until, viewed)
            cache.set(key, entry, timeout)
            local_pages.put(key, entry)
            _fill(request, response, body)  # compressed already: GZipMiddleware leaves it
            return response
        response.content = _with_csrf_token(request, response.content)
        return response

    wrapper.serves_page_cache = True  # type: ignore[attr-defined]
    return wrapper


@dataclass(frozen=True)
class PageLookup:
    """Where a request's page lives in the cache, the catalog version it was read under, and
    the stored page if there is a current one."""

    key: str
    version: int
    stored: tuple[Any, ...] | None


def look_up_page(request: HttpRequest) -> PageLookup:
    """Find the shared copy of the page this anonymous GET asks for.

    The page remembers the catalog version it was rendered under and is returned only while
    that is still the current one. A page this process served lately is answered from its
    memory (``local_pages``) without a round trip, while its reading of the version is under
    a second old; otherwise one round trip reads the version and the page, and a page that
    must be rendered is rendered under the version just read.
    """
    varying = "|".join(request.headers.get(name, "") for name in _VARYING_HEADERS)
    digest = hashlib.sha256(f"{request.get_full_path()}|{varying}".encode()).hexdigest()[:32]
    key = f"catalog:page:{PAGE_FORMAT}:{digest}"
    version = local_pages.version()
    if version is not None:
        stored = local_pages.get(key, version)
        if stored is not None and _still_true(stored):
            return PageLookup(key=key, version=version, stored=stored)
    found = cache.get_many([VERSION_KEY, key])
    version = int(found.get(VERSION_KEY) or get_catalog_version())
    local_pages.remember_version(version)
    stored = found.get(key)
    if stored is not None and (stored[0] != version or not _still_true(stored)):
        stored = None
    if stored is not None:
        local_pages.put(key, stored)
    return PageLookup(key=key, version=version, stored=stored)


class LocalPages:
    """The shared pages this process rendered or served lately, and its reading of the
    catalog version.

    A page-cache hit used to spend most of its time fetching a 50-70 KB page from Redis,
    whose copy the worker had sent a moment before. Here a worker keeps the pages it served,
    least recently used first out, up to ``max_bytes`` (``PAGE_CACHE_LOCAL_BYTES`` when not
    given; 0: nothing is kept), and reads the version from Redis at most once every
    ``version_seconds``: an edit in the admin reaches this process's copies within that
    second (at once in the process that made it, see ``bump_catalog_version``).
    """

    def __init__(self, *, max_bytes: int | None = None, version_seconds: float) -> None:
        self._max_bytes = max_bytes
        self.version_seconds = version_seconds
        self._pages: OrderedDict[str, tuple[Any, ...]] = OrderedDict()
        self._bytes = 0
        self._version: tuple[int, float] | None = None
        self._lock = threading.Lock()  # gthread workers serve from several threads

    @property
    def max_bytes(self) -> int:
        return self._max_bytes if self._max_bytes is not None else settings.PAGE_CACHE_LOCAL_BYTES

    def version(self) -> int | None:
        known = self._version
        if known is None or not self.max_bytes or time.monotonic() - known[1] > self.version_seconds:
            return None
        return known[0]

    def remember_version(self, version: int) -> None:
        self._version = (version, time.monotonic())

    def forget_version(self) -> None:
        self._version = None

    def get(self, key: str, version: int) -> tuple[Any, ...] | None:
        with self._lock:
            stored = self._pages.get(key)
            if stored is None or stored[0] != version:
                return None
            self._pages.move_to_end(key)
            return stored

    def put(self, key: str, stored: tuple[Any, ...]) -> None:
        max_bytes = self.max_bytes
        size = len(stored[1])
        if size > max_bytes // 4:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old[1])
            self._pages[key] = stored
            self._bytes += size
            while self._bytes > max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self._bytes -= len(dropped[1])

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0
            self._version = None


local_pages = LocalPages(version_seconds=1.0)


def response_from_stored_page(request: HttpRequest, stored: tuple[Any, ...]) -> HttpResponse:
    """The stored page with this visitor's CSRF token, its product view announced."""
    content, headers = stored[1], stored[2]
    response = HttpResponse()
    for name, value in headers:
        response[name] = value
    _fill(request, response, content)
    viewed = stored[4] if len(stored) > 4 else None
    if viewed is not None:
        product_viewed.send(sender=None, request=request, product_id=viewed)
    return response


def can_use_shared_page(request: HttpRequest) -> bool:
    """Whether this request may be answered with (and its answer stored as) a shared page."""
    return request.method in ("GET", "HEAD") and not _has_personal_state(request)


def _fill(request: HttpRequest, response: HttpResponse, body: HoledGzip) -> None:
    """Give ``response`` the stored page with this visitor's CSRF token: gzipped as it is kept
    when the client takes gzip (what GZipMiddleware would have sent, without compressing the
    page again), inflated otherwise. Asking for the token has CsrfViewMiddleware set its cookie."""
    token = get_token(request).encode() if body.has_holes else b""
    patch_vary_headers(response, ("Accept-Encoding",))
    # A token of another length than stored pages expect (a Django that changed it) is sent
    # in the inflated page, which GZipMiddleware then compresses as any other.
    if body.fits(token) and re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response.content = body.gzip(token)
        response.headers["Content-Encoding"] = "gzip"
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag  # as GZipMiddleware does (RFC 9110 8.8.1)
    else:
        response.content = body.text(token)


def _with_csrf_token(request: HttpRequest, content: bytes) -> bytes:
    """The stored page with this visitor's token for the placeholder; asking for the token
    has CsrfViewMiddleware set the cookie it goes with."""
    if _CSRF_PLACEHOLDER_BYTES not in content:
        return content
    return content.replace(_CSRF_PLACEHOLDER_BYTES, get_token(request).encode())


def _still_true(stored: tuple[Any, ...]) -> bool:
    """Whether a stored page is still before the moment it said it stops being true (the cache
    expires it then too; this guards against a clock a second out)."""
    until = stored[3] if len(stored) > 3 else None  # entries stored before it existed
    return until is None or timezone.now() < until


def _has_personal_state(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES
