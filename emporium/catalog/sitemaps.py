"""The sitemap: every category and every published product, paginated by Django's Sitemap.

URLs use the host the request came to, like the canonical links of the pages, rather than
the ``sites`` framework's Site row, which nobody has to remember to edit per environment.
``ALLOWED_HOSTS`` already limits which hosts can appear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.contrib.sitemaps import Sitemap
from django.contrib.sites.models import Site
from django.contrib.sites.requests import RequestSite
from django.db.models import Max, QuerySet

from emporium.catalog.models import Category, Product

T = TypeVar("T")


class _RequestHostSitemap(Sitemap[T]):
    def __init__(self, *, domain: str) -> None:
        self.domain = domain

    def get_domain(self, site: Site | RequestSite | None = None) -> str:
        return self.domain


class CategorySitemap(_RequestHostSitemap[Category]):
    changefreq = "daily"
    priority = 0.6

    def items(self) -> QuerySet[Category]:
        return Category.objects.order_by("path")


class ProductSitemap(_RequestHostSitemap[Product]):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> QuerySet[Product]:
        return Product.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item: Product) -> datetime:
        return item.updated_at

    def get_latest_lastmod(self) -> datetime | None:
        # One aggregate instead of Django's default, which loads every product to compare them.
        latest: datetime | None = Product.objects.published().aggregate(latest=Max("updated_at"))["latest"]
        return latest


def build_sitemaps(*, domain: str) -> dict[str, Sitemap[Any]]:
    return {"categories": CategorySitemap(domain=domain), "products": ProductSitemap(domain=domain)}
