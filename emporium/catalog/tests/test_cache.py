from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from moneyed import Money

from emporium.catalog.cache import (
    _MISSING,
    VERSION_KEY,
    LocalCards,
    LocalData,
    bump_catalog_version,
    cached_for_catalog,
    get_catalog_version,
)
from emporium.catalog.selectors import ProductCard
from emporium.catalog.tests.factories import ProductFactory


def test_cached_value_is_built_once_per_catalog_version():
    calls = []

    def build() -> int:
        calls.append(1)
        return len(calls)

    first = cached_for_catalog(key="home", build=build)
    second = cached_for_catalog(key="home", build=build)
    bump_catalog_version()
    third = cached_for_catalog(key="home", build=build)

    assert (first, second, third) == (1, 1, 2)


def test_different_keys_do_not_share_a_value():
    assert cached_for_catalog(key="a", build=lambda: "a") == "a"
    assert cached_for_catalog(key="b", build=lambda: "b") == "b"


@pytest.mark.django_db
def test_saving_a_product_bumps_the_version_once_committed(django_capture_on_commit_callbacks):
    product = ProductFactory.create()
    before = get_catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        product.name = "Renamed lantern"
        product.save()

    assert get_catalog_version() > before


@pytest.mark.django_db
def test_a_rolled_back_write_does_not_bump_the_version(django_capture_on_commit_callbacks):
    product = ProductFactory.create()
    before = get_catalog_version()

    with django_capture_on_commit_callbacks(execute=False):
        product.save()

    assert get_catalog_version() == before


def _evict_all_but_the_version() -> None:
    """What Redis evicting the entries (or another worker's view of them) looks like: the
    catalog version is the same, the shared copies are gone."""
    version = get_catalog_version()
    cache.clear()
    cache.set(VERSION_KEY, version, timeout=None)


def _count(calls: list[int]) -> int:
    calls.append(1)
    return len(calls)


def test_a_value_read_once_is_served_by_this_process_under_the_same_version():
    calls: list[int] = []
    first = cached_for_catalog(key="home", build=lambda: _count(calls))
    _evict_all_but_the_version()

    assert cached_for_catalog(key="home", build=lambda: _count(calls)) == first
    assert calls == [1]  # not built again, and not read from the shared cache either


def test_with_no_local_entries_every_read_asks_the_shared_cache(settings):
    settings.CATALOG_LOCAL_ENTRIES = 0  # as CACHE_DISABLED sets it
    calls: list[int] = []
    cached_for_catalog(key="home", build=lambda: _count(calls))
    _evict_all_but_the_version()

    assert cached_for_catalog(key="home", build=lambda: _count(calls)) == 2


def test_local_data_keeps_the_most_recently_used_entries_of_the_newest_version():
    data = LocalData(max_entries=2)
    data.put("a", 1, "A")
    data.put("b", 1, "B")
    assert data.get("a", 1) == "A"  # now the most recently used
    data.put("c", 1, "C")

    assert [data.get(key, 1) for key in "abc"] == ["A", _MISSING, "C"]
    assert data.get("a", 2) is _MISSING  # another version: nothing of version 1 answers

    data.put("d", 2, "D")  # the newer version's first entry drops every copy of the older
    data.put("e", 1, "E")  # a request still reading version 1 keeps nothing
    assert [data.get(key, 1) for key in "ace"] == [_MISSING] * 3
    assert data.get("d", 2) == "D"


def _card(number: int, *, price: str = "2.95") -> ProductCard:
    return ProductCard(
        id=number, name=f"Lantern {number}", url=f"/p/lantern-{number}/", price=Money(price, "GBP"),
        is_in_stock=True, category_name="Lanterns", picture=None,
    )  # fmt: skip


def test_a_card_is_printed_once_per_version_and_kept_while_true():
    cards = LocalCards(max_entries=10)
    printed: list[int] = []

    def render(card: ProductCard) -> str:
        printed.append(card.id)
        return f"<li>{card.name} {card.price.amount}</li>"  # type: ignore[union-attr]

    first = cards.html(HttpRequest(), [_card(1), _card(2)], show_category=False, render=render)
    again = cards.html(HttpRequest(), [_card(2), _card(1)], show_category=False, render=render)
    assert again == "<li>Lantern 2 2.95</li><li>Lantern 1 2.95</li>"
    assert first == "<li>Lantern 1 2.95</li><li>Lantern 2 2.95</li>"
    assert printed == [1, 2]

    cards.html(HttpRequest(), [_card(1)], show_category=True, render=render)  # another markup
    cards.html(HttpRequest(), [_card(1, price="3.50")], show_category=False, render=render)  # other data
    bump_catalog_version()  # an edit, a promotion's too
    cards.html(HttpRequest(), [_card(2)], show_category=False, render=render)
    assert printed == [1, 2, 1, 1, 2]


def test_a_card_true_until_a_moment_tells_its_page_and_is_printed_again_after_it():
    cards = LocalCards(max_entries=10)
    soon = timezone.now() + timedelta(hours=1)
    printed: list[datetime] = []

    def render_on_sale_until(until: datetime):
        def render(card: ProductCard) -> str:
            printed.append(until)
            request.page_cache_until = until  # type: ignore[attr-defined]  # what the sale price tag does
            return "<li>on sale</li>"

        return render

    request = HttpRequest()
    cards.html(request, [_card(1)], show_category=False, render=render_on_sale_until(soon))
    served = HttpRequest()
    cards.html(served, [_card(1)], show_category=False, render=render_on_sale_until(soon))
    assert getattr(served, "page_cache_until", None) == soon  # said again by the copy, as printing it would
    assert len(printed) == 1

    past = timezone.now() - timedelta(seconds=1)
    request = HttpRequest()
    cards.html(request, [_card(2)], show_category=False, render=render_on_sale_until(past))
    cards.html(HttpRequest(), [_card(2)], show_category=False, render=render_on_sale_until(past))
    assert len(printed) == 3  # no longer true: printed again
