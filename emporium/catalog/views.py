"""Storefront pages of the catalog: thin callers of the selectors.

Every page works as a plain GET without JavaScript. With htmx, the filter form and the
pagination of listings ask for the results region only (``HX-Target: results``); the same
view answers with a partial template, and tells htmx which URL to push, so the address bar
stays shareable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from emporium.catalog.cache import cache_page_for_visitors
from emporium.catalog.forms import ProductListingForm, SearchForm
from emporium.catalog.selectors import (
    ResultsPage,
    get_category_listing,
    get_category_page,
    get_home_page,
    get_product_page,
    get_search_results,
    list_suggestions,
)
from emporium.catalog.sitemaps import build_sitemaps
from emporium.checkout.selectors import list_delivery_options

RESULTS_TARGET = "results"  # the id of the swappable results region in the listing templates
SEARCH_PAGE_SIZE = 24
SUGGESTION_LIMIT = 8
SUGGESTION_MIN_LENGTH = 2


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _wants_results_only(request: HtmxHttpRequest) -> bool:
    # A history restore (back button after the snapshot cache expired) needs the whole page.
    return (
        bool(request.htmx)
        and request.htmx.target == RESULTS_TARGET
        and not request.htmx.history_restore_request
    )


def _state_url(request: HttpRequest, *, page: int, defaults: dict[str, str]) -> str:
    """The page's address without empty or default parameters, at the page actually shown."""
    params = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        kept = [value for value in values if value and value != defaults.get(key)]
        if kept and key != "page":
            params.setlist(key, kept)
    if page > 1:
        params["page"] = str(page)
    return f"{request.path}?{params.urlencode()}" if params else request.path


def _page_notice(*, page_error: str | None, requested: int, results: ResultsPage) -> str:
    """What to say when the page shown is not the page asked for."""
    if page_error:
        return f"{page_error} Showing page {results.number}."
    if requested != results.number:
        return f"There is no page {requested}. Showing page {results.number} of {results.num_pages}."
    return ""


def _render_listing(
    request: HtmxHttpRequest,
    *,
    page_template: str,
    results_template: str,
    context: dict[str, Any],
    state_url: str,
) -> HttpResponse:
    if _wants_results_only(request):
        response = push_url(render(request, results_template, context), state_url)
    else:
        response = render(request, page_template, context)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_safe
@cache_page_for_visitors
def home_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/home.html",
        {"home": get_home_page(), "canonical_url": request.build_absolute_uri(reverse("home"))},
    )


@require_safe
@cache_page_for_visitors
def category_detail_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    category = get_category_page(slug=slug)
    if category is None:
        raise Http404("No such category.")
    form = ProductListingForm(request.GET, subcategories=category.children, auto_id="filter-%s")
    options = form.listing_options()
    results = get_category_listing(
        category=options.subcategory or category.category,
        filters=options.filters,
        page=options.page,
        per_page=options.per_page,
    )
    page_errors = form.errors.get("page")
    canonical_path = category.category.url + (f"?page={results.number}" if results.number > 1 else "")
    context = {
        "category": category,
        "form": form,
        "results": results,
        "page_notice": _page_notice(
            page_error=str(page_errors[0]) if page_errors else None, requested=options.page, results=results
        ),
        "canonical_url": request.build_absolute_uri(canonical_path),
    }
    return _render_listing(
        request,
        page_template="catalog/category_detail.html",
        results_template="catalog/_category_results.html",
        context=context,
        state_url=_state_url(request, page=results.number, defaults=dict(form.defaults)),
    )


@require_safe
def product_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_product_page(slug=slug)
    if product is None:
        raise Http404("No such product.")
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "canonical_url": request.build_absolute_uri(product.url),
            "delivery_options": list_delivery_options(currency=settings.DEFAULT_CURRENCY),
            "dispatch_promise": settings.DISPATCH_PROMISE,
            "returns_days": settings.RETURNS_DAYS,
        },
    )


@require_safe
@cache_page_for_visitors
def search_view(request: HtmxHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET, auto_id="search-%s")
    search = get_search_results(query=form.query, page=form.page_number, per_page=SEARCH_PAGE_SIZE)
    page_errors = form.errors.get("page")
    page_notice = (
        _page_notice(
            page_error=str(page_errors[0]) if page_errors else None,
            requested=form.page_number,
            results=search.results,
        )
        if search.results
        else ""
    )
    context = {
        "form": form,
        "search": search,
        "search_query": search.query,
        "results": search.results,
        "page_notice": page_notice,
    }
    return _render_listing(
        request,
        page_template="catalog/search.html",
        results_template="catalog/_search_results.html",
        context=context,
        state_url=_state_url(request, page=search.results.number if search.results else 1, defaults={}),
    )


@require_safe
@cache_page_for_visitors
def search_suggest_view(request: HttpRequest) -> HttpResponse:
    query = SearchForm(request.GET).query
    suggestions = (
        list_suggestions(query=query, limit=SUGGESTION_LIMIT) if len(query) >= SUGGESTION_MIN_LENGTH else ()
    )
    return render(request, "catalog/_suggestions.html", {"query": query, "suggestions": suggestions})


@require_safe
def robots_txt_view(request: HttpRequest) -> HttpResponse:
    sitemap_url = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /cart/",
        "",
        f"Sitemap: {sitemap_url}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@dataclass(frozen=True)
class SitemapIndexEntry:
    location: str
    last_mod: datetime | None


@require_safe
def sitemap_index_view(request: HttpRequest) -> HttpResponse:
    """Django's index view, but with section URLs on the request's host (see sitemaps.py)."""
    items: list[SitemapIndexEntry] = []
    for section, sitemap in build_sitemaps(domain=request.get_host()).items():
        location = request.build_absolute_uri(reverse("sitemap-section", kwargs={"section": section}))
        last_modified = sitemap.get_latest_lastmod()
        items.append(SitemapIndexEntry(location, last_modified))
        items.extend(
            SitemapIndexEntry(f"{location}?p={page}", last_modified)
            for page in range(2, sitemap.paginator.num_pages + 1)
        )
    response = TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
    )
    response.headers["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


@require_safe
def sitemap_section_view(request: HttpRequest, section: str) -> HttpResponse:
    sitemaps: dict[str, Sitemap[Any] | type[Sitemap[Any]]] = {**build_sitemaps(domain=request.get_host())}
    return sitemap_views.sitemap(request, sitemaps=sitemaps, section=section)
