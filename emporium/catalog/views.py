"""Storefront pages of the catalog: thin callers of the selectors.

Every page works as a plain GET without JavaScript. With htmx, the filter form and the
pagination of listings ask for the results region only (``HX-Target: results``); the same
view answers with a partial template, and tells htmx which URL to push, so the address bar
stays shareable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe
from django_htmx.http import push_url
from django_htmx.middleware import HtmxDetails

from emporium.catalog.cache import announce_product_view, cache_page_for_visitors, cached_for_catalog
from emporium.catalog.facets import PRICE_BANDS, ListingFacets, get_listing_facets
from emporium.catalog.forms import (
    ATTRIBUTE_PARAM,
    FLAG_PARAM,
    OPTION_PARAM,
    RANGE_PARAM,
    ProductListingForm,
    SearchForm,
)
from emporium.catalog.picker import choose_variant
from emporium.catalog.selectors import (
    ALL_PRODUCTS,
    CategoryLink,
    ResultsPage,
    check_search_query,
    get_category_listing,
    get_category_page,
    get_home_page,
    get_product_page,
    get_search_results,
    list_nav_categories,
    list_suggestions,
)
from emporium.catalog.sitemaps import build_sitemaps

RESULTS_TARGET = "results"  # the id of the swappable results region in the listing templates
BUY_BOX_TARGET = "buy-box"  # the product page's region the variant picker swaps
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


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    url: str
    is_selected: bool  # then the link takes the filter off


@dataclass(frozen=True)
class FacetGroup:
    title: str
    links: tuple[FacetLink, ...]


def _listing_params(request: HttpRequest, *, normalised: dict[str, str]) -> QueryDict:
    """The current listing's parameters at page 1, with the values the page itself uses in place
    of what was sent (a 10 kB search query is searched, and linked, as its first 200 characters)."""
    params = request.GET.copy()
    params.pop("page", None)
    for name, value in normalised.items():
        if name in params:
            params[name] = value
    return params


def _url_with(
    request: HttpRequest,
    *,
    set_params: dict[str, str | None],
    remove: tuple[str, str] | None = None,
    normalised: dict[str, str] | None = None,
) -> str:
    """The current listing URL at page 1, with parameters set (None removes one) and one
    value of a repeated parameter taken away."""
    params = _listing_params(request, normalised=normalised or {})
    for name, value in set_params.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    if remove is not None:
        name, value = remove
        params.setlist(name, [kept for kept in params.getlist(name) if kept != value])
    query = params.urlencode()
    return f"{request.path}?{query}" if query else request.path


def _facet_groups(
    request: HttpRequest,
    facets: ListingFacets,
    *,
    category_param: str,
    normalised: dict[str, str] | None = None,
) -> tuple[FacetGroup, ...]:
    """Each facet value as a link that adds its filter, or takes it off when it is on."""
    normalised = normalised or {}
    groups = []
    if facets.categories:
        groups.append(
            FacetGroup(
                "Category",
                tuple(
                    FacetLink(
                        value.label,
                        value.count,
                        _url_with(
                            request,
                            set_params={category_param: None if value.is_selected else value.value},
                            normalised=normalised,
                        ),
                        value.is_selected,
                    )
                    for value in facets.categories
                ),
            )
        )
    if facets.price_bands:
        links = []
        for value in facets.price_bands:
            band = PRICE_BANDS[int(value.value)]
            bounds: dict[str, str | None] = (
                {"price_min": None, "price_max": None}
                if value.is_selected
                else {
                    "price_min": None if band.minimum is None else str(band.minimum),
                    "price_max": None if band.maximum is None else str(band.maximum),
                }
            )
            links.append(
                FacetLink(
                    value.label,
                    value.count,
                    _url_with(request, set_params=bounds, normalised=normalised),
                    value.is_selected,
                )
            )
        groups.append(FacetGroup("Price", tuple(links)))
    if facets.in_stock.count or facets.in_stock.is_selected:
        stock = facets.in_stock
        url = _url_with(
            request, set_params={"in_stock": None if stock.is_selected else "on"}, normalised=normalised
        )
        groups.append(
            FacetGroup("Availability", (FacetLink(stock.label, stock.count, url, stock.is_selected),))
        )
    # Variant options (colour, size) first: on a typed catalog they are what shoppers narrow by.
    for name, attribute in [
        *((OPTION_PARAM, option) for option in facets.options),
        *((ATTRIBUTE_PARAM, attribute) for attribute in facets.attributes),
    ]:
        links = []
        for value in attribute.values:
            param = f"{attribute.key}:{value.value}"
            if value.is_selected:
                url = _url_with(request, set_params={}, remove=(name, param), normalised=normalised)
            else:
                params = _listing_params(request, normalised=normalised)
                params.appendlist(name, param)
                url = f"{request.path}?{params.urlencode()}"
            links.append(FacetLink(value.label, value.count, url, value.is_selected))
        groups.append(FacetGroup(attribute.label, tuple(links)))
    # Numbers as bands and yes/no: one value per key, so a click replaces the key's value.
    for facet in facets.typed:
        name = FLAG_PARAM if facet.values[0].value in ("yes", "no") else RANGE_PARAM
        links = []
        for value in facet.values:
            params = _listing_params(request, normalised=normalised)
            params.setlist(
                name, [kept for kept in params.getlist(name) if kept.partition(":")[0] != facet.key]
            )
            if not value.is_selected:
                params.appendlist(name, f"{facet.key}:{value.value}")
            query = params.urlencode()
            url = f"{request.path}?{query}" if query else request.path
            links.append(FacetLink(value.label, value.count, url, value.is_selected))
        groups.append(FacetGroup(facet.label, tuple(links)))
    return tuple(groups)


def _filters_panel(
    request: HttpRequest, *, context: dict[str, Any], facet_groups: Callable[[], tuple[FacetGroup, ...]]
) -> SafeString:
    """A category page's sort and filter form with its facets (``catalog/_filters.html``).

    It shows the listing's state, not its page: every page of one category with the same
    parameters has the same panel. Printing it (five form fields, every facet link) was about a
    quarter of a category page rendered from scratch, so it is printed once per state and kept
    with the catalog's data, under the catalog version like the facet counts it shows; the counts
    are not even read when the panel is found. Nothing in it is the visitor's own (a GET form,
    no CSRF token), so one copy serves every visitor.
    """
    key = f"filters-panel:{request.path}?{_listing_params(request, normalised={}).urlencode()}"

    def build() -> str:
        return render_to_string("catalog/_filters.html", {**context, "facet_groups": facet_groups()})

    return mark_safe(cached_for_catalog(key=key, build=build))  # nosec B308 B703 # noqa: S308 (our own template, autoescaped)


def _render_listing(
    request: HtmxHttpRequest,
    *,
    page_template: str,
    results_template: str,
    context: dict[str, Any],
    state_url: str,
) -> HttpResponse:
    if _wants_results_only(request):
        # Only then do the results carry the out-of-band regions (status line, facets): a
        # boosted facet link asks for the whole page, which has them in place already.
        response = push_url(render(request, results_template, {**context, "results_only": True}), state_url)
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
        subtree=category.subtree,
    )

    def facet_groups() -> tuple[FacetGroup, ...]:
        facets = get_listing_facets(
            scope=category.category,
            category_options=category.children,
            selected_category=options.subcategory,
            filters=options.filters,
            subtree=category.subtree,
        )
        return _facet_groups(request, facets, category_param="subcategory")

    page_errors = form.errors.get("page")
    canonical_path = category.category.url + (f"?page={results.number}" if results.number > 1 else "")
    context: dict[str, Any] = {
        "category": category,
        "form": form,
        "results": results,
        "page_notice": _page_notice(
            page_error=str(page_errors[0]) if page_errors else None, requested=options.page, results=results
        ),
        "canonical_url": request.build_absolute_uri(canonical_path),
    }
    if _wants_results_only(request):
        context["facet_groups"] = facet_groups()
    else:
        context["filters_panel"] = _filters_panel(request, context=context, facet_groups=facet_groups)
    return _render_listing(
        request,
        page_template="catalog/category_detail.html",
        results_template="catalog/_category_results.html",
        context=context,
        state_url=_state_url(request, page=results.number, defaults=dict(form.defaults)),
    )


@require_safe
@cache_page_for_visitors
def product_detail_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The product; with a variant picker, ``?colour=red&size=m`` selects the variant shown
    (and htmx, changing a choice, gets only the buy box back). Every variant's address shows
    the product's own canonical URL: one page for search engines, whatever was chosen.

    Served from the page cache to visitors without a session like the listings: its forms'
    CSRF tokens are filled in per response (emporium.catalog.cache)."""
    product = get_product_page(slug=slug)
    if product is None:
        raise Http404("No such product.")
    context = {
        "product": product,
        "choice": choose_variant(page=product, requested=request.GET.dict()),
        "canonical_url": request.build_absolute_uri(product.url),
    }
    if (
        context["choice"] is not None
        and request.htmx
        and request.htmx.target == BUY_BOX_TARGET
        and not request.htmx.history_restore_request
    ):
        return render(request, "catalog/_buy_box.html", context)
    announce_product_view(request, product_id=product.id)
    return render(request, "catalog/product_detail.html", context)


@require_safe
@cache_page_for_visitors
def search_view(request: HtmxHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET, auto_id="search-%s")
    category: CategoryLink | None = None
    subtree: tuple[tuple[str, int], ...] = ()
    if form.category_slug:
        found = get_category_page(slug=form.category_slug)
        if found:  # an unknown category narrows nothing
            category, subtree = found.category, found.subtree
    filters = form.filters
    search = get_search_results(
        query=form.query,
        page=form.page_number,
        per_page=SEARCH_PAGE_SIZE,
        filters=filters,
        category=category,
        subtree=subtree,
    )
    facet_groups: tuple[FacetGroup, ...] = ()
    if search.terms:
        top_level = list_nav_categories()
        facets = get_listing_facets(
            scope=ALL_PRODUCTS,
            category_options=top_level
            if category is None or category in top_level
            else (*top_level, category),
            selected_category=category,
            filters=filters,
            query=check_search_query(query=search.query),
            subtree=subtree,
        )
        facet_groups = _facet_groups(
            request, facets, category_param="category", normalised={"q": search.query}
        )
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
        "facet_groups": facet_groups,
        "facets_active": any(link.is_selected for group in facet_groups for link in group.links),
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
