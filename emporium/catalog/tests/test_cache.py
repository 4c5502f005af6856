import pytest

from emporium.catalog.cache import bump_catalog_version, cached_for_catalog, get_catalog_version
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
