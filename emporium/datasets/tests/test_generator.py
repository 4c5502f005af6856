"""The benchmark generator: plans resampled from the real data, and what it writes."""

from __future__ import annotations

from datetime import datetime, time
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from emporium.accounts.models import User
from emporium.catalog.models import Product, Variant
from emporium.datasets.demo import DEMO_DATA_PATH
from emporium.datasets.generator import (
    MAX_LINES_PER_ORDER,
    MAX_QUANTITY,
    WINDOW_START,
    WINDOW_WEEKS,
    ShopPlan,
    plan_shop,
    split_name,
)
from emporium.datasets.online_retail import DATA_TIME_ZONE, RetailDataset, read_online_retail, read_text
from emporium.datasets.services import import_online_retail
from emporium.datasets.services.shop_generator import generate_shop_data
from emporium.orders.models import Order, OrderLine, OrderStatus


@pytest.fixture(scope="module")
def demo_dataset() -> RetailDataset:
    return read_online_retail(path=DEMO_DATA_PATH)


@pytest.fixture(scope="module")
def small_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 3,000 rows of the demo file: real baskets, and quick to read for every test."""
    lines = read_text(DEMO_DATA_PATH).splitlines()[:3001]
    path = tmp_path_factory.mktemp("source") / "small-source.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def plan(demo_dataset: RetailDataset) -> ShopPlan:
    return plan_shop(source=demo_dataset, existing=[], products=300, customers=200, orders=1000, seed=7)


def _plan_fingerprint(plan: ShopPlan) -> tuple[object, ...]:
    return (
        plan.products.names,
        plan.products.price_pence.tolist(),
        plan.customers.countries,
        plan.customers.joined_at.tolist(),
        plan.orders.placed_at.tolist(),
        plan.orders.customer.tolist(),
        plan.orders.line_product.tolist(),
        plan.orders.line_quantity.tolist(),
    )


def test_the_same_seed_plans_the_same_shop(demo_dataset: RetailDataset, plan: ShopPlan):
    again = plan_shop(source=demo_dataset, existing=[], products=300, customers=200, orders=1000, seed=7)

    assert _plan_fingerprint(again) == _plan_fingerprint(plan)


def test_another_seed_plans_another_shop(demo_dataset: RetailDataset, plan: ShopPlan):
    other = plan_shop(source=demo_dataset, existing=[], products=300, customers=200, orders=1000, seed=8)

    assert other.products.names != plan.products.names


def test_new_product_names_are_made_of_real_words(demo_dataset: RetailDataset, plan: ShopPlan):
    real_words = {word for product in demo_dataset.products.values() for word in product.name.split()}

    assert {word for name in plan.products.names for word in name.split()} <= real_words


def test_new_products_are_priced_like_real_products_of_their_category(
    demo_dataset: RetailDataset, plan: ShopPlan
):
    real_prices = {int(product.price * 100) for product in demo_dataset.products.values()}

    assert set(plan.products.price_pence.tolist()) <= real_prices


def test_every_real_product_is_the_template_of_new_ones(demo_dataset: RetailDataset, plan: ShopPlan):
    assert set(plan.products.template_skus) == set(demo_dataset.products)


def test_a_name_splits_where_the_taxonomy_found_its_noun():
    assert split_name("White Hanging Heart T-Light Holder") == (
        ["White", "Hanging", "Heart"],
        ["T-Light", "Holder"],
    )


def test_large_wholesale_baskets_are_capped(plan: ShopPlan):
    assert np.bincount(plan.orders.line_order).max() <= MAX_LINES_PER_ORDER


def test_quantities_are_capped(plan: ShopPlan):
    assert np.abs(plan.orders.line_quantity).max() <= MAX_QUANTITY


def test_cancelled_orders_replay_cancellations(plan: ShopPlan):
    cancelled_lines = plan.orders.is_cancellation[plan.orders.line_order]

    assert (plan.orders.line_quantity[cancelled_lines] < 0).all()
    assert (plan.orders.line_quantity[~cancelled_lines] > 0).all()


def test_some_orders_are_guest_orders_as_in_the_data(plan: ShopPlan):
    assert 0 < (plan.orders.customer < 0).sum() < len(plan.orders.customer)


def test_order_totals_add_up_their_lines(plan: ShopPlan):
    totals = np.zeros(len(plan.orders.total_pence), dtype=np.int64)
    np.add.at(totals, plan.orders.line_order, plan.orders.line_quantity * plan.orders.line_price_pence)

    assert (totals == plan.orders.total_pence).all()


def test_orders_are_numbered_in_time_order(plan: ShopPlan):
    assert (np.diff(plan.orders.placed_at) >= 0).all()


def test_orders_fall_within_the_two_year_window(plan: ShopPlan):
    start = int(datetime.combine(WINDOW_START, time(), tzinfo=DATA_TIME_ZONE).timestamp())
    end = start + (WINDOW_WEEKS * 7 + 1) * 86400

    assert start <= plan.orders.placed_at.min() <= plan.orders.placed_at.max() < end


def test_no_order_falls_on_a_saturday_as_in_the_data(plan: ShopPlan):
    weekdays = ((plan.orders.placed_at // 86400) + 3) % 7  # 1970-01-01 was a Thursday (3)

    assert 5 not in set(weekdays.tolist())


def test_customers_joined_no_later_than_their_first_order(plan: ShopPlan):
    ordered = plan.orders.customer >= 0
    first_order: dict[int, int] = {}
    for customer, placed in zip(
        plan.orders.customer[ordered].tolist(), plan.orders.placed_at[ordered].tolist(), strict=True
    ):
        first_order.setdefault(customer, placed)

    assert all(plan.customers.joined_at[customer] <= placed for customer, placed in first_order.items())


@pytest.mark.django_db
def test_generation_creates_the_requested_numbers(small_source: Path):
    report = generate_shop_data(products=30, customers=20, orders=50, seed=3, source=small_source)

    assert (Product.objects.count(), User.objects.count(), Order.objects.count()) == (30, 20, 50)
    assert OrderLine.objects.count() == report.order_lines_created


@pytest.mark.django_db
def test_generated_orders_sell_generated_products(small_source: Path):
    generate_shop_data(products=30, customers=20, orders=50, seed=3, source=small_source)

    assert not OrderLine.objects.filter(variant__isnull=True).exists()
    assert set(OrderLine.objects.values_list("sku", flat=True)) <= set(
        Variant.objects.values_list("sku", flat=True)
    )


@pytest.mark.django_db
def test_generated_order_totals_match_their_lines(small_source: Path):
    generate_shop_data(products=30, customers=20, orders=50, seed=3, source=small_source)

    line_totals = (
        OrderLine.objects.values("order")
        .annotate(lines_total=Sum("total_amount"))
        .values_list("order", "lines_total")
    )

    assert dict(line_totals) == dict(Order.objects.values_list("pk", "total_amount"))


@pytest.mark.django_db
def test_units_sold_are_refreshed_after_generation(small_source: Path):
    generate_shop_data(products=30, customers=20, orders=50, seed=3, source=small_source)
    delivered = OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED)

    assert sum(Product.objects.values_list("units_sold", flat=True)) == sum(
        delivered.values_list("quantity", flat=True)
    )


@pytest.mark.django_db
def test_a_second_run_adds_without_colliding(small_source: Path):
    generate_shop_data(products=30, customers=20, orders=50, seed=3, source=small_source)

    generate_shop_data(products=30, customers=20, orders=50, seed=3, source=small_source)

    assert (
        Variant.objects.values("sku").distinct().count(),
        User.objects.count(),
        Order.objects.count(),
    ) == (
        60,
        40,
        100,
    )
    assert Order.objects.filter(number="GN-00000100").exists()


@pytest.mark.django_db
def test_the_same_seed_writes_the_same_shop(small_source: Path):
    def written() -> tuple[object, ...]:
        return (
            list(
                Variant.objects.order_by("sku").values_list(
                    "sku", "product__name", "price_amount", "stock_on_hand"
                )
            ),
            list(User.objects.order_by("email").values_list("email", "date_joined")),
            list(
                Order.objects.order_by("number").values_list(
                    "number", "customer__email", "placed_at", "total_amount", "status"
                )
            ),
            list(
                OrderLine.objects.order_by("order__number", "pk").values_list(
                    "order__number", "sku", "quantity"
                )
            ),
        )

    generate_shop_data(products=30, customers=20, orders=50, seed=11, source=small_source)
    first = written()
    Order.objects.all().delete()
    Product.objects.all().delete()
    User.objects.all().delete()

    generate_shop_data(products=30, customers=20, orders=50, seed=11, source=small_source)

    assert written() == first


@pytest.mark.django_db
def test_baskets_use_imported_products_when_the_shop_has_them(small_shop_csv: Path):
    import_online_retail(path=small_shop_csv)

    generate_shop_data(products=0, customers=5, orders=20, seed=1, source=small_shop_csv)

    assert set(OrderLine.objects.filter(order__number__startswith="GN-").values_list("sku", flat=True)) <= {
        "85123A",
        "71053",
    }


@pytest.mark.django_db
def test_foreign_key_checks_are_back_on_after_generation(small_source: Path, is_postgres):
    if not is_postgres:
        pytest.skip("Only PostgreSQL has per-row foreign-key triggers to switch off.")
    generate_shop_data(products=30, customers=20, orders=50, seed=3, source=small_source)

    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)


@pytest.mark.django_db
def test_the_command_reports_what_it_made(small_source: Path):
    out = StringIO()

    call_command(
        "generate_shop_data",
        *(
            "--products",
            "10",
            "--customers",
            "5",
            "--orders",
            "8",
            "--source",
            str(small_source),
            "--no-progress",
        ),
        stdout=out,
    )

    assert "orders:                8" in out.getvalue()
