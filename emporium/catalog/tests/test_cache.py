import pytest
from django.core.cache import cache

from emporium.catalog.cache import (
    _MISSING,
    VERSION_KEY,
    LocalData,
    bump_catalog_version,
    cached_for_catalog,
    get_catalog_version,
)
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
