"""Staff manage promotions in the admin: each kind's fields are checked, and counting goes on."""

from decimal import Decimal

import pytest
from django.db.models.signals import pre_save

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import CategoryFactory
from emporium.promotions.models import Promotion
from emporium.promotions.tests.factories import PromotionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.STAFF_MFA_REQUIRED = False  # the admin's two-factor gate is tested in accounts
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def _form(**overrides: object) -> dict[str, object]:
    form = {
        "name": "Summer sale", "is_active": "on", "kind": "percentage", "value": "20", "currency": "GBP",
        "applies_to_all_products": "on", "buy_quantity": "", "get_quantity": "", "threshold_amount": "",
        "reward": "", "segment": "everyone", "starts_at_0": "2026-06-01", "starts_at_1": "00:00:00",
        "ends_at_0": "", "ends_at_1": "", "priority": "0", "stacking": "stackable",
        "combines_with_vouchers": "on", "usage_limit": "",
    }  # fmt: skip
    return {**form, **overrides}


def test_staff_create_a_promotion_on_a_category(admin_client):
    candles = CategoryFactory.create(name="Candles")

    response = admin_client.post(
        "/admin/promotions/promotion/add/", _form(applies_to_all_products="", categories=[candles.pk])
    )

    assert response.status_code == 302
    promotion = Promotion.objects.get()
    assert list(promotion.categories.all()) == [candles]
    assert promotion.value == Decimal(20)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"value": "120"}, "A percentage is at most 100."),
        ({"kind": "buy_x_get_y", "value": "100"}, "Say how many must be bought (X)."),
        ({"kind": "spend_threshold", "reward": "free_shipping"}, "Say how much must be spent."),
        ({"kind": "spend_threshold", "threshold_amount": "50"}, "Say what the spend earns."),
        ({"ends_at_0": "2026-05-01", "ends_at_1": "00:00:00"}, "The promotion must end after it starts."),
        ({"value": "0"}, "Say how much it takes off."),
        ({"applies_to_all_products": ""}, "Choose what it applies to"),
    ],
)
def test_a_promotion_missing_what_its_kind_needs_is_a_form_error(admin_client, overrides, message):
    response = admin_client.post("/admin/promotions/promotion/add/", _form(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Promotion.objects.exists()


def test_a_free_shipping_promotion_needs_no_value(admin_client):
    response = admin_client.post(
        "/admin/promotions/promotion/add/",
        _form(kind="spend_threshold", reward="free_shipping", threshold_amount="50", value="0"),
    )

    assert response.status_code == 302


def test_editing_a_promotion_keeps_the_uses_counted_meanwhile(admin_client):
    promotion = PromotionFactory.create(name="Summer sale", usage_limit=10, used_count=5)

    def a_checkout_counts_a_use(sender, instance, **kwargs):
        Promotion.objects.filter(pk=instance.pk).update(used_count=6)

    pre_save.connect(a_checkout_counts_a_use, sender=Promotion, dispatch_uid="test-use-meanwhile")
    try:
        response = admin_client.post(
            f"/admin/promotions/promotion/{promotion.pk}/change/", _form(usage_limit="20")
        )
    finally:
        pre_save.disconnect(sender=Promotion, dispatch_uid="test-use-meanwhile")

    promotion.refresh_from_db()
    assert response.status_code == 302
    assert (promotion.usage_limit, promotion.used_count) == (20, 6)


def test_a_usage_limit_below_the_uses_so_far_is_a_form_error(admin_client):
    promotion = PromotionFactory.create(usage_limit=10, used_count=5)

    response = admin_client.post(
        f"/admin/promotions/promotion/{promotion.pk}/change/", _form(usage_limit="3")
    )

    assert response.status_code == 200
    assert "used 5 times already" in response.content.decode()


def test_the_demo_promotions_are_made_once_and_only_for_departments_the_shop_has():
    from emporium.promotions.demo import set_up_demo_promotions

    CategoryFactory.create(name="Christmas")

    assert set_up_demo_promotions() == 2  # no "Garden & Outdoor" here
    assert set_up_demo_promotions() == 0
    christmas = Promotion.objects.get(kind=Promotion.Kind.BUY_X_GET_Y)
    assert [category.name for category in christmas.categories.all()] == ["Christmas"]
