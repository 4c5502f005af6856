"""The rules are read once per catalog version by each process (promotions.selectors.get_snapshot)."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from emporium.catalog.cache import get_catalog_version
from emporium.promotions.selectors import RULES_CACHE_KEY, forget_rules, get_snapshot
from emporium.promotions.tests.factories import PromotionFactory

pytestmark = pytest.mark.django_db


def test_the_process_keeps_its_copy_until_the_version_moves_on(django_assert_num_queries):
    first = get_snapshot()
    cache.delete(f"{RULES_CACHE_KEY}:{get_catalog_version()}")  # only this process has it now

    with django_assert_num_queries(0):
        assert get_snapshot() is first


def test_a_new_promotion_is_priced_with_at_once():
    get_snapshot()
    promotion = PromotionFactory.create(value=Decimal(10))  # saving it moves the version on

    assert promotion.pk in {rule.id for rule in get_snapshot().rules}


def test_rules_forgotten_are_built_again(django_assert_num_queries):
    first = get_snapshot()
    forget_rules()

    with django_assert_num_queries(1):  # no promotion on: one query says so
        assert get_snapshot() is not first
