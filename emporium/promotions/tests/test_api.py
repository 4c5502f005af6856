"""Staff manage promotions over the API as in the admin: each kind checked, counting kept."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.core.tests.api_clients import bearer_client, staff_client
from emporium.promotions.models import Promotion, PromotionUsage
from emporium.promotions.tests.factories import PromotionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]

URL = "/api/v1/staff/promotions/"
SALE = 'class="price price--sale"'


def _promotions_client():
    """A member of staff in a group the shop made for promotions (no standard role holds them)."""
    user = StaffUserFactory.create(roles=[CATALOG_MANAGER])
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="promotions"))
    return bearer_client(user)


def _body(**overrides):
    body = {"name": "Summer sale", "kind": "percentage", "value": "20.00", "applies_to_all_products": True,
            "starts_at": (timezone.now() - timedelta(hours=1)).isoformat()}  # fmt: skip
    return {**body, **overrides}


def test_staff_create_a_category_sale_and_the_shop_shows_it_at_once(client):
    home = CategoryFactory.create(name="Home", slug="home")
    candles = CategoryFactory.create(name="Candles", slug="candles", parent=home)
    make_product("Zinc T-light holder", category=candles, price="10.00")
    client.get("/c/home/")  # cached before the promotion

    response = _promotions_client().post(
        URL, _body(applies_to_all_products=False, categories=["home"]), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["categories"], body["used_count"], body["value"]) == (["home"], 0, "20.00")
    assert f"{SALE}>£8.00</span>" in client.get("/c/home/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "buy_x_get_y", "value": "100"}, "buy_quantity"),
        ({"kind": "buy_x_get_y", "value": "100", "buy_quantity": 2}, "get_quantity"),
        ({"kind": "spend_threshold", "reward": "free_shipping"}, "threshold_amount"),
        ({"kind": "spend_threshold", "threshold_amount": "50"}, "reward"),
        ({"value": "120"}, "value"),
        ({"value": "abc"}, "value"),
        ({"value": "0"}, "value"),
        ({"currency": "QQQ"}, "currency"),
        ({"categories": ["no-such-category"]}, "categories"),
        ({"categories": ["nul\x00"]}, "categories"),
        ({"products": [999999]}, "products"),
        ({"ends_at": "2000-01-01T00:00:00Z"}, "ends_at"),
        ({"priority": 10**9}, "priority"),
        ({"name": ""}, "name"),
        ({"applies_to_all_products": False}, "applies_to_all_products"),  # to nothing at all
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field(overrides, field):
    response = _promotions_client().post(URL, _body(**overrides), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"], response.json()
    assert not Promotion.objects.exists()


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        # London's mean time in 1004: an offset of -00:01:15, which RFC 3339 cannot write.
        (
            ("1004-03-14T06:37:27.307Z", "1004-03-15T00:00:00Z"),
            ("1004-03-14T06:37:27.307000Z", "1004-03-15T00:00:00Z"),
        ),
        (
            ("2026-07-01T09:00:00+01:00", "2026-07-31T23:59:00+01:00"),
            ("2026-07-01T08:00:00Z", "2026-07-31T22:59:00Z"),
        ),
    ],
)
def test_the_dates_are_answered_as_rfc_3339_date_times_in_utc(sent, answered):
    response = _promotions_client().post(URL, _body(starts_at=sent[0], ends_at=sent[1]), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["starts_at"], response.json()["ends_at"]) == answered


def test_each_kind_can_be_created():
    client = _promotions_client()
    bodies = [
        _body(kind="fixed", value="1.50"),
        _body(kind="buy_x_get_y", value="100", buy_quantity=2, get_quantity=1),
        _body(kind="spend_threshold", reward="free_shipping", value="0", threshold_amount="50.00"),
        _body(
            kind="spend_threshold",
            reward="percentage",
            value="10",
            threshold_amount="50.00",
            segment="first_order",
        ),
    ]

    assert [client.post(URL, body, format="json").status_code for body in bodies] == [201] * 4
    assert sorted(Promotion.objects.values_list("kind", flat=True)) == sorted(
        ["fixed", "buy_x_get_y", "spend_threshold", "spend_threshold"]
    )


def test_a_change_keeps_the_uses_counted_and_refuses_a_limit_below_them():
    promotion = PromotionFactory.create(usage_limit=10, used_count=5)
    client = _promotions_client()

    changed = client.patch(f"{URL}{promotion.pk}/", {"usage_limit": 20, "is_active": False}, format="json")
    refused = client.patch(f"{URL}{promotion.pk}/", {"usage_limit": 3}, format="json")

    promotion.refresh_from_db()
    assert changed.status_code == 200
    assert (promotion.usage_limit, promotion.used_count, promotion.is_active) == (20, 5, False)
    assert refused.status_code == 400
    assert "usage_limit" in refused.json()["errors"]


def test_a_target_list_given_replaces_the_old_one():
    old = CategoryFactory.create(slug="old")
    new = CategoryFactory.create(slug="new")
    promotion = PromotionFactory.create(applies_to_all_products=False, categories=[old])

    response = _promotions_client().patch(f"{URL}{promotion.pk}/", {"categories": ["new"]}, format="json")

    assert response.json()["categories"] == ["new"]
    assert list(promotion.categories.all()) == [new]


def test_a_used_promotion_cannot_be_deleted_an_unused_one_can():
    from emporium.orders.tests.factories import OrderFactory

    used = PromotionFactory.create(usage_limit=10, used_count=1)
    PromotionUsage.objects.create(promotion=used, order=OrderFactory.create())
    unused = PromotionFactory.create()
    client = _promotions_client()

    refused = client.delete(f"{URL}{used.pk}/")
    deleted = client.delete(f"{URL}{unused.pk}/")

    assert (refused.status_code, refused.json()["code"]) == (409, "promotion_in_use")
    assert deleted.status_code == 204
    assert list(Promotion.objects.all()) == [used]


def test_the_list_filters_and_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    categories = [CategoryFactory.create() for _ in range(3)]
    for number in range(12):
        PromotionFactory.create(
            is_active=number % 2 == 0, applies_to_all_products=False, categories=categories
        )
    client = _promotions_client()
    client.get(URL)  # the session and permissions, loaded once

    with django_assert_max_num_queries(8):
        page = client.get(f"{URL}?page_size=50&is_active=true").json()

    assert len(page["results"]) == 6
    assert all(promotion["is_active"] for promotion in page["results"])
    assert len(client.get(f"{URL}?kind=fixed").json()["results"]) == 0


@pytest.mark.parametrize("role", [ANALYST, ORDER_MANAGER, CATALOG_MANAGER])
def test_the_standard_roles_may_not_manage_promotions(role):
    assert staff_client(role).post(URL, _body(), format="json").status_code == 403
    assert staff_client(role).get(URL).status_code == 403


def test_customers_and_visitors_may_not_see_them():
    from rest_framework.test import APIClient

    assert bearer_client(UserFactory.create()).get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)
