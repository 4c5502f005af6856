"""Staff edit tax rates and vouchers in the admin: mistakes are form errors, never a 500."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.db.models.signals import pre_save
from django.utils import timezone

from emporium.accounts.tests.factories import UserFactory
from emporium.checkout.models import TaxRate, Voucher, VoucherUsage
from emporium.checkout.selectors import get_tax_rate
from emporium.checkout.tests.factories import TaxRateFactory, VoucherFactory
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_a_tax_rate_typed_in_lower_case_applies_to_the_country(admin_client):
    response = admin_client.post("/admin/checkout/taxrate/add/", {"country": "gb", "rate": "0.2000"})

    assert response.status_code == 302
    assert get_tax_rate(country="GB") == Decimal("0.2000")


def test_a_second_rate_for_a_country_in_another_case_is_a_form_error(admin_client):
    TaxRateFactory.create(country="GB", rate=Decimal("0.2000"))

    response = admin_client.post("/admin/checkout/taxrate/add/", {"country": "gb", "rate": "0.0500"})

    assert response.status_code == 200
    assert "Tax rate with this Country already exists." in response.content.decode()
    assert get_tax_rate(country="GB") == Decimal("0.2000")


def test_the_migration_upper_cases_old_lower_case_rates_and_drops_shadowed_ones():
    migration = import_module("emporium.checkout.migrations.0002_upper_case_tax_rate_countries")
    TaxRateFactory.create(country="GB", rate=Decimal("0.2000"))
    lone = TaxRateFactory.create(country="FR", rate=Decimal("0.2000"))
    shadowed = TaxRateFactory.create(country="IE", rate=Decimal("0.2300"))
    # As rows saved before the model upper-cased them: written past save().
    TaxRate.objects.filter(pk=lone.pk).update(country="fr")
    TaxRate.objects.filter(pk=shadowed.pk).update(country="gb")

    migration.upper_case_countries(apps, None)

    assert sorted(TaxRate.objects.values_list("country", "rate")) == [
        ("FR", Decimal("0.2000")),
        ("GB", Decimal("0.2000")),
    ]


def _voucher_form(**overrides: str) -> dict[str, str]:
    form = {
        "code": "SPRING", "kind": "percentage", "value": "10", "currency": "GBP",
        "minimum_spend_amount": "0", "starts_at_0": "2026-03-01", "starts_at_1": "00:00:00",
        "ends_at_0": "", "ends_at_1": "", "usage_limit": "", "per_customer_limit": "",
    }  # fmt: skip
    return {**form, **overrides}


def test_a_voucher_code_differing_only_in_case_is_a_form_error(admin_client):
    VoucherFactory.create(code="SAVE10")

    response = admin_client.post("/admin/checkout/voucher/add/", _voucher_form(code="save10"))

    assert response.status_code == 200
    assert "Voucher with this Code already exists." in response.content.decode()
    assert Voucher.objects.count() == 1


def test_a_usage_limit_below_the_uses_so_far_is_a_form_error(admin_client):
    voucher = VoucherFactory.create(code="SPRING", usage_limit=10, used_count=5)

    response = admin_client.post(
        f"/admin/checkout/voucher/{voucher.pk}/change/", _voucher_form(usage_limit="3")
    )

    voucher.refresh_from_db()
    assert response.status_code == 200
    assert "used 5 times already" in response.content.decode()
    assert voucher.usage_limit == 10


def test_a_voucher_ending_before_it_starts_is_a_form_error(admin_client):
    response = admin_client.post(
        "/admin/checkout/voucher/add/", _voucher_form(ends_at_0="2026-02-01", ends_at_1="00:00:00")
    )

    assert response.status_code == 200
    assert "The voucher must end after it starts." in response.content.decode()
    assert not Voucher.objects.exists()


def test_editing_a_voucher_keeps_the_uses_counted_meanwhile(admin_client):
    voucher = VoucherFactory.create(code="SPRING", usage_limit=10, used_count=5)

    def a_checkout_counts_a_use(sender, instance, **kwargs):
        # Between the admin reading the voucher and saving it, as place_order does.
        Voucher.objects.filter(pk=instance.pk).update(used_count=6)

    pre_save.connect(a_checkout_counts_a_use, sender=Voucher, dispatch_uid="test-use-meanwhile")
    try:
        response = admin_client.post(
            f"/admin/checkout/voucher/{voucher.pk}/change/", _voucher_form(usage_limit="20")
        )
    finally:
        pre_save.disconnect(sender=Voucher, dispatch_uid="test-use-meanwhile")

    voucher.refresh_from_db()
    assert response.status_code == 302
    assert (voucher.usage_limit, voucher.used_count) == (20, 6)


def test_editing_a_voucher_records_when_it_was_last_changed(admin_client):
    voucher = VoucherFactory.create(code="SPRING")
    Voucher.objects.filter(pk=voucher.pk).update(updated_at=timezone.now() - timedelta(days=30))

    admin_client.post(f"/admin/checkout/voucher/{voucher.pk}/change/", _voucher_form(value="15"))

    voucher.refresh_from_db()
    assert voucher.value == Decimal(15)
    assert voucher.updated_at > timezone.now() - timedelta(minutes=1)


def test_voucher_uses_are_read_only_so_the_count_and_the_list_of_uses_agree(admin_client):
    """Uses are counted by place_order and given back by the order services, each with
    used_count under the voucher's lock; a use added or deleted by hand would change one
    without the other, and the limits would be wrong from then on."""
    voucher = VoucherFactory.create(usage_limit=1)
    order = OrderFactory.create()
    usage = VoucherUsage.objects.create(voucher=voucher, order=order, email="ann@example.com")
    Voucher.objects.filter(pk=voucher.pk).update(used_count=1)

    add = admin_client.get("/admin/checkout/voucherusage/add/")
    delete = admin_client.post(f"/admin/checkout/voucherusage/{usage.pk}/delete/", {"post": "yes"})
    change = admin_client.post(
        f"/admin/checkout/voucherusage/{usage.pk}/change/",
        {"voucher": voucher.pk, "order": OrderFactory.create().pk, "email": "eve@example.com"},
    )

    usage.refresh_from_db()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert (usage.order_id, usage.email) == (order.pk, "ann@example.com")
