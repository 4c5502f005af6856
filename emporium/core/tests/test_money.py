"""The shop's currency is read when a row is created, not when a module is imported."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings

from emporium.core.money import default_currency

# Every model field that takes the shop's currency when nothing else is given.
CURRENCY_FIELDS = [
    ("cart", "Cart"),
    ("catalog", "Product"),
    ("catalog", "Variant"),
    ("checkout", "ShippingMethod"),
    ("checkout", "Voucher"),
    ("giftcards", "GiftCard"),
    ("orders", "Order"),
    ("promotions", "Promotion"),
]


def _currency_fields_with_a_default() -> set[tuple[str, str]]:
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField) and field.name == "currency" and field.has_default():
                found.add((model._meta.app_label, model.__name__))
    return found


def test_every_currency_field_with_a_default_is_listed_here():
    # A new model with a currency default is then covered by the tests below.
    assert _currency_fields_with_a_default() == set(CURRENCY_FIELDS)


@pytest.mark.parametrize(("app_label", "model_name"), CURRENCY_FIELDS)
def test_a_new_row_takes_the_currency_configured_when_it_is_created(app_label, model_name):
    model = apps.get_model(app_label, model_name)
    with override_settings(DEFAULT_CURRENCY="EUR"):
        assert model().currency == "EUR"
    with override_settings(DEFAULT_CURRENCY="JPY"):
        assert model().currency == "JPY"


@pytest.mark.parametrize(("app_label", "model_name"), CURRENCY_FIELDS)
def test_the_migrations_reference_the_callable_and_bake_in_no_currency(app_label, model_name):
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    field = state.apps.get_model(app_label, model_name)._meta.get_field("currency")
    assert field.default is default_currency
