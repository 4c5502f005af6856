"""Staff category API: catalog managers grow, rename, move and prune the category tree; the
storefront's cached navigation and the public tree follow with the next request."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.test import APIClient

from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.catalog.models import Category
from emporium.catalog.selectors import list_nav_categories
from emporium.catalog.services import delete_category
from emporium.catalog.tests.factories import CategoryFactory, Shop, make_product
from emporium.core.tests.api_clients import bearer_client, staff_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]

LIST = "/api/v1/staff/categories/"


def _detail(category: Category) -> str:
    return f"{LIST}{category.pk}/"


@pytest.fixture
def manager() -> APIClient:
    return staff_client(CATALOG_MANAGER)


def _public_tree() -> list[tuple[str, int, int | None]]:
    """The storefront API's cached tree: (slug, depth, parent id), in tree order."""
    response = APIClient().get("/api/v1/categories/")
    assert response.status_code == 200
    return [(node["slug"], node["depth"], node["parent_id"]) for node in response.json()]


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [category["slug"] for category in response.json()["results"]]


# --- Creating --------------------------------------------------------------------------------------


def test_a_new_category_goes_under_its_parent_and_reaches_the_storefront_at_once(
    manager, shop: Shop, django_capture_on_commit_callbacks
):
    _public_tree()  # cached under the catalog version

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(LIST, {"name": "Baskets", "slug": "baskets", "parent": "home"})

    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"],
        "name": "Baskets",
        "slug": "baskets",
        "parent": "home",
        "parent_id": shop.home.pk,
        "depth": 2,
        "child_count": 0,
        "product_count": 0,
        "description": "",
        "seo_title": "",
        "seo_description": "",
    }
    assert ("baskets", 2, shop.home.pk) in _public_tree()


def test_a_new_category_without_a_parent_is_a_top_level_one_sorted_by_name(
    manager, shop: Shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(LIST, {"name": "Garden", "slug": "garden", "description": "Outdoors."})

    assert (response.status_code, response.json()["depth"], response.json()["parent"]) == (201, 1, None)
    assert [link.slug for link in list_nav_categories()] == ["bags", "garden", "home"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Other bags", "slug": "bags"}, "slug"),  # taken
        ({"name": "Bad", "slug": "not a slug"}, "slug"),
        ({"name": "", "slug": "empty"}, "name"),
        ({"name": "x" * 121, "slug": "long"}, "name"),
        ({"name": "Orphan", "slug": "orphan", "parent": "no-such-category"}, "parent"),
        ({"name": "Orphan", "slug": "orphan", "parent": "home\u0000"}, "parent"),
        ({"name": "Orphan", "slug": "orphan", "parent": ""}, "parent"),  # null means the top
        ({"name": "Null", "slug": "null", "description": "a\u0000b"}, "description"),
        ({"name": "SEO", "slug": "seo", "seo_title": "t" * 71}, "seo_title"),
    ],
)
def test_bad_input_for_a_new_category_is_a_problem_naming_the_field(manager, shop: Shop, body, field):
    response = manager.post(LIST, body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [field]
    assert Category.objects.count() == 4


# --- Listing and reading ----------------------------------------------------------------------------


def test_the_staff_list_is_the_tree_in_order_with_parents_depths_and_counts(manager, shop: Shop):
    make_product("Lantern", category=shop.candles)
    make_product("Tea light", category=shop.candles)

    body = manager.get(LIST).json()

    rows = [
        (row["slug"], row["depth"], row["parent"], row["parent_id"], row["child_count"], row["product_count"])
        for row in body["results"]
    ]
    assert rows == [
        ("bags", 1, None, None, 0, 0),
        ("home", 1, None, None, 2, 0),
        ("candles-lanterns", 2, "home", shop.home.pk, 0, 2),
        ("clocks", 2, "home", shop.home.pk, 0, 0),
    ]


def test_the_staff_list_is_cursor_paginated_in_tree_order(manager, shop: Shop):
    first = manager.get(LIST, {"page_size": 3}).json()
    second = manager.get(first["next"]).json()

    assert [row["slug"] for page in (first, second) for row in page["results"]] == [
        "bags", "home", "candles-lanterns", "clocks",
    ]  # fmt: skip
    assert second["next"] is None


@pytest.mark.parametrize("page_size", [2, 20])
def test_the_staff_category_list_runs_a_fixed_number_of_queries(
    manager, shop: Shop, page_size, django_assert_num_queries
):
    for n in range(25):
        child = CategoryFactory.create(parent=shop.clocks if n % 2 else shop.bags)
        make_product(f"Clock {n}", category=child)

    # the token's user, their permissions (own and groups', one query), one page with parents and counts
    with django_assert_num_queries(3):
        response = manager.get(LIST, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_a_forged_cursor_holding_a_null_character_is_a_404_not_a_server_error(manager, shop: Shop):
    """PostgreSQL cannot compare text holding NUL: the path in the cursor went straight to it."""
    cursor = base64.b64encode(urlencode({"p": "0001\u0000"}).encode()).decode()

    response = manager.get(LIST, {"cursor": cursor})

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_one_category_reads_with_its_place_in_the_tree(manager, shop: Shop):
    response = manager.get(_detail(shop.candles))

    assert response.status_code == 200
    assert (response.json()["slug"], response.json()["parent"], response.json()["description"]) == (
        "candles-lanterns",
        "home",
        "Light for long evenings.",
    )
    assert manager.get(f"{LIST}999999/").status_code == 404


# --- Changing and moving -----------------------------------------------------------------------------


def test_renaming_a_category_reaches_the_storefront_navigation_at_once(
    manager, shop: Shop, django_capture_on_commit_callbacks
):
    list_nav_categories()  # the header's categories, cached

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.patch(
            _detail(shop.bags),
            {"name": "Totes", "slug": "totes", "seo_title": "Totes and bags", "seo_description": "Carry it."},
        )

    bags = Category.objects.get(pk=shop.bags.pk)
    assert response.status_code == 200
    assert (bags.name, bags.slug, bags.seo_title, bags.seo_description) == (
        "Totes", "totes", "Totes and bags", "Carry it.",
    )  # fmt: skip
    assert [link.name for link in list_nav_categories()] == ["Home", "Totes"]  # sorted by the new name


def test_moving_a_category_takes_its_sub_categories_and_products_along(
    manager, shop: Shop, django_capture_on_commit_callbacks
):
    wall = CategoryFactory.create(name="Wall clocks", slug="wall-clocks", parent=shop.clocks)
    make_product("Kitchen clock", category=wall, slug="kitchen-clock")
    _public_tree()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.patch(_detail(shop.clocks), {"parent": "bags"}, format="json")

    assert (response.status_code, response.json()["parent"], response.json()["depth"]) == (200, "bags", 2)
    assert _public_tree() == [
        ("bags", 1, None),
        ("clocks", 2, shop.bags.pk),
        ("wall-clocks", 3, shop.clocks.pk),
        ("home", 1, None),
        ("candles-lanterns", 2, shop.home.pk),
    ]
    listing = APIClient().get("/api/v1/products/", {"category": "bags"}).json()
    assert [product["slug"] for product in listing["results"]] == ["kitchen-clock"]


def test_a_category_moved_to_the_top_of_the_tree_becomes_a_top_level_one(
    manager, shop: Shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.patch(_detail(shop.candles), {"parent": None}, format="json")

    assert (response.status_code, response.json()["depth"], response.json()["parent"]) == (200, 1, None)
    assert [link.slug for link in list_nav_categories()] == ["bags", "candles-lanterns", "home"]
    assert Category.objects.get(pk=shop.home.pk).numchild == 1


def test_a_patch_without_parent_leaves_the_category_where_it_is(manager, shop: Shop):
    response = manager.patch(_detail(shop.candles), {"description": "Warm light."}, format="json")

    assert (response.status_code, response.json()["parent"]) == (200, "home")
    assert Category.objects.get(pk=shop.candles.pk).description == "Warm light."


@pytest.mark.parametrize("target", ["home", "candles-lanterns"])
def test_a_category_cannot_move_under_itself_or_its_sub_categories(manager, shop: Shop, target):
    before = list(Category.objects.order_by("path").values_list("slug", "path"))

    response = manager.patch(_detail(shop.home), {"parent": target, "name": "Renamed"}, format="json")

    assert (response.status_code, list(response.json()["errors"])) == (400, ["parent"])
    assert list(Category.objects.order_by("path").values_list("slug", "path")) == before
    assert Category.objects.get(pk=shop.home.pk).name == "Home"


def test_a_taken_slug_on_a_change_is_a_problem_naming_the_field(manager, shop: Shop):
    response = manager.patch(_detail(shop.clocks), {"slug": "bags"}, format="json")

    assert (response.status_code, list(response.json()["errors"])) == (400, ["slug"])
    assert Category.objects.get(pk=shop.clocks.pk).slug == "clocks"


# --- Deleting ----------------------------------------------------------------------------------------


def test_an_empty_category_is_deleted_and_leaves_the_storefront_at_once(
    manager, shop: Shop, django_capture_on_commit_callbacks
):
    list_nav_categories()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.delete(_detail(shop.bags))

    assert response.status_code == 204
    assert not Category.objects.filter(pk=shop.bags.pk).exists()
    assert [link.slug for link in list_nav_categories()] == ["home"]


def test_a_category_holding_products_is_not_deleted(manager, shop: Shop):
    make_product("Lantern", category=shop.candles)

    response = manager.delete(_detail(shop.candles))

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["products"], response.json()["children"]) == (
        "category_not_empty",
        1,
        0,
    )
    assert Category.objects.filter(pk=shop.candles.pk).exists()


def test_a_category_with_sub_categories_is_not_deleted_with_them(manager, shop: Shop):
    response = manager.delete(_detail(shop.home))

    assert (response.status_code, response.json()["code"], response.json()["children"]) == (
        409,
        "category_not_empty",
        2,
    )
    assert Category.objects.count() == 4


def test_deleting_the_last_sub_category_leaves_its_parent_deletable(manager, shop: Shop):
    assert manager.delete(_detail(shop.candles)).status_code == 204
    assert manager.delete(_detail(shop.clocks)).status_code == 204

    response = manager.delete(_detail(shop.home))

    assert response.status_code == 204
    assert list(Category.objects.values_list("slug", flat=True)) == ["bags"]


def test_deleting_a_category_someone_else_deleted_meanwhile_is_done_not_an_error(shop: Shop):
    seen = Category.objects.get(pk=shop.bags.pk)  # what the view looked up
    Category.objects.filter(pk=shop.bags.pk).delete()  # another member of staff, first

    delete_category(category=seen)

    assert not Category.objects.filter(pk=shop.bags.pk).exists()


# --- Who may do what ---------------------------------------------------------------------------------


def _staff_with_permissions(*codenames: str) -> APIClient:
    """A member of staff in a shop's own group holding just these catalog permissions."""
    group = Group.objects.create(name=f"Category helpers: {', '.join(codenames) or 'none'}")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames)
    )
    user = StaffUserFactory.create()
    user.groups.add(group)
    return bearer_client(user)


@pytest.mark.parametrize(
    ("codenames", "method", "body", "status"),
    [
        (("view_category",), "get", None, 200),
        (("view_product",), "get", None, 403),
        (("view_category",), "post", {"name": "N", "slug": "n"}, 403),
        (("view_category", "add_category"), "post", {"name": "N", "slug": "n"}, 201),
        (("view_category",), "patch", {"name": "Renamed"}, 403),
        (("view_category", "change_category"), "patch", {"name": "Renamed"}, 200),
        (("view_category", "change_category"), "delete", None, 403),
        (("view_category", "delete_category"), "delete", None, 204),
    ],
)
def test_each_staff_category_action_needs_its_own_permission(shop: Shop, codenames, method, body, status):
    client = _staff_with_permissions(*codenames)
    path = LIST if method == "post" else _detail(shop.bags)

    response = getattr(client, method)(path, body) if body is not None else getattr(client, method)(path)

    assert response.status_code == status


def test_analysts_read_the_categories_but_do_not_change_them(shop: Shop):
    analyst = staff_client(ANALYST)

    statuses = (
        analyst.get(LIST).status_code,
        analyst.get(_detail(shop.bags)).status_code,
        analyst.post(LIST, {"name": "New", "slug": "new"}).status_code,
        analyst.patch(_detail(shop.bags), {"name": "Hacked"}).status_code,
        analyst.delete(_detail(shop.bags)).status_code,
    )

    assert statuses == (200, 200, 403, 403, 403)
    assert Category.objects.get(pk=shop.bags.pk).name == "Bags"


def test_customers_and_order_managers_do_not_see_the_staff_categories(shop: Shop):
    assert bearer_client(UserFactory.create()).get(LIST).status_code == 403
    assert staff_client(ORDER_MANAGER).delete(_detail(shop.bags)).status_code == 403
    assert APIClient().get(LIST).status_code == 401
    assert Category.objects.filter(pk=shop.bags.pk).exists()
