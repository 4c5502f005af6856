from decimal import Decimal

import pytest

from emporium.checkout.demo import UK_VAT_RATE, set_up_demo_checkout
from emporium.checkout.models import TaxRate
from emporium.checkout.selectors import get_tax_rate
from emporium.checkout.tests.factories import TaxRateFactory

pytestmark = pytest.mark.django_db


def test_a_country_without_a_rate_pays_no_tax():
    TaxRateFactory.create(country="GB", rate=Decimal("0.2000"))

    assert get_tax_rate(country="FR") == Decimal(0)
    assert get_tax_rate(country="gb") == Decimal("0.2000")


def test_checkout_reads_the_rates_once_not_per_order(django_assert_num_queries):
    TaxRateFactory.create(country="GB", rate=Decimal("0.2000"))
    get_tax_rate(country="GB")

    with django_assert_num_queries(0):
        assert get_tax_rate(country="GB") == Decimal("0.2000")
        assert get_tax_rate(country="IE") == Decimal(0)


def test_a_rate_changed_or_added_or_deleted_applies_to_the_next_order_at_once():
    rate = TaxRateFactory.create(country="GB", rate=Decimal("0.2000"))
    assert get_tax_rate(country="GB") == Decimal("0.2000")

    rate.rate = Decimal("0.0500")
    rate.save()
    assert get_tax_rate(country="GB") == Decimal("0.0500")

    TaxRate.objects.create(country="IM", rate=Decimal("0.2000"))
    assert get_tax_rate(country="IM") == Decimal("0.2000")

    rate.delete()
    assert get_tax_rate(country="GB") == Decimal(0)


def test_the_demo_rates_apply_at_once_though_bulk_created_without_signals():
    assert get_tax_rate(country="GB") == Decimal(0)

    set_up_demo_checkout()

    assert get_tax_rate(country="GB") == UK_VAT_RATE
