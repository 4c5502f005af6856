"""Importing an Online Retail file into the shop, end to end, on the real database."""

from __future__ import annotations

import gzip
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from emporium.accounts.models import User
from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.models import Category, Product, Variant
from emporium.catalog.tests.factories import ProductFactory
from emporium.datasets.online_retail import DATA_TIME_ZONE, SkipReason
from emporium.datasets.services import ImportReport, import_online_retail
from emporium.datasets.tests.conftest import RETAIL_II_HEADER, SMALL_SHOP_ROWS, write_retail_csv
from emporium.orders.models import Order, OrderLine, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(small_shop_csv: Path) -> ImportReport:
    return import_online_retail(path=small_shop_csv, batch_size=2)  # small batches: several transactions


def _snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every row the import writes, all columns, so a test can tell whether anything changed."""
    return {
        model.__name__: sorted(model.objects.values_list(), key=lambda row: row[0])
        for model in (Category, Product, Variant, User, Order, OrderLine)
    }


def test_the_report_counts_every_row(report: ImportReport):
    assert (report.rows_read, report.rows_imported, report.rows_skipped) == (15, 6, 9)


def test_the_report_gives_the_reason_for_every_skipped_row(report: ImportReport):
    assert dict(report.skipped) == {
        SkipReason.STOCK_ADJUSTMENT: 1,
        SkipReason.ZERO_PRICE: 1,
        SkipReason.NON_PRODUCT_CODE: 1,
        SkipReason.NEGATIVE_PRICE: 1,
        SkipReason.UNPARSEABLE_DATE: 1,
        SkipReason.UNPARSEABLE_QUANTITY: 1,
        SkipReason.UNPARSEABLE_PRICE: 1,
        SkipReason.UNKNOWN_PRODUCT: 1,
        SkipReason.NO_PRODUCT_LINES: 1,
    }


def test_the_report_counts_the_charges_kept_on_orders(report: ImportReport):
    assert report.charge_lines_imported == 1


def test_the_report_names_the_skipped_bookkeeping_codes(report: ImportReport):
    assert dict(report.skipped_codes) == {"M": 1}


def test_the_report_counts_what_was_created(report: ImportReport):
    created = (report.products_created, report.customers_created, report.orders_created)

    assert created == (2, 3, 4)


def test_one_product_and_one_variant_per_stock_code(report: ImportReport):
    assert sorted(Variant.objects.values_list("sku", "product__name")) == [
        ("71053", "White Metal Lantern"),
        ("85123A", "White Hanging Heart T-Light Holder"),
    ]


def test_products_are_filed_in_the_taxonomy(report: ImportReport):
    product = Product.objects.get(variants__sku="85123A")

    parent = Category.objects.get_parent(product.category)

    assert (parent.name, product.category.name) == ("Home & Living", "Candles & Lanterns")


def test_products_have_stock_to_sell(report: ImportReport):
    assert set(Product.objects.values_list("is_in_stock", flat=True)) == {True}


def test_the_product_summary_is_refreshed(report: ImportReport):
    assert Product.objects.get(variants__sku="85123A").price_amount == Decimal("2.95")


def test_units_sold_count_delivered_orders_only(report: ImportReport):
    assert Product.objects.get(variants__sku="85123A").units_sold == 8  # 6 + 2; the cancelled 1 is not a sale


def test_customers_are_users_without_a_usable_password(report: ImportReport):
    customer = User.objects.get(external_ref="online-retail:17850")

    assert (customer.email, customer.has_usable_password()) == ("customer-17850@online-retail.invalid", False)


def test_an_invoice_becomes_a_delivered_order_with_its_number(report: ImportReport):
    order = Order.objects.select_related("customer").get(external_ref="online-retail:536365")
    customer_ref = order.customer.external_ref if order.customer else None

    assert (order.number, order.status, customer_ref) == (
        "OR-536365",
        OrderStatus.DELIVERED,
        "online-retail:17850",
    )


def test_orders_are_placed_at_uk_time(report: ImportReport):
    order = Order.objects.get(number="OR-536365")

    assert order.placed_at == datetime(2010, 12, 1, 8, 26, tzinfo=DATA_TIME_ZONE)


def test_an_order_totals_its_goods_and_postage(report: ImportReport):
    assert Order.objects.get(number="OR-536365").total_amount == Decimal("6") * Decimal("2.55") + Decimal(
        "6"
    ) * Decimal("3.39") + Decimal("18.00")


def test_postage_stays_on_the_order_without_a_product(report: ImportReport):
    postage = OrderLine.objects.get(order__number="OR-536365", sku="POST")

    assert (postage.variant, postage.product_name, postage.total_amount) == (
        None,
        "Postage",
        Decimal("18.00"),
    )


def test_lines_keep_the_name_price_and_total_of_the_sale(report: ImportReport):
    line = OrderLine.objects.get(order__number="OR-536366")

    assert (line.product_name, line.sku, line.quantity, line.unit_price_amount, line.total_amount) == (
        "White Hanging Heart T-Light Holder",
        "85123A",
        2,
        Decimal("2.95"),
        Decimal("5.90"),
    )


def test_a_cancellation_is_a_cancelled_order_with_negative_lines(report: ImportReport):
    order = Order.objects.get(number="OR-C536379")

    quantities = list(OrderLine.objects.filter(order=order).values_list("quantity", flat=True))

    assert (order.status, order.total_amount, quantities) == (
        OrderStatus.CANCELLED,
        Decimal("-2.95"),
        [-1],
    )


def test_the_country_is_kept_on_the_order(report: ImportReport):
    assert Order.objects.get(number="OR-C536379").country == "France"


def test_an_invoice_without_customer_is_a_guest_order(report: ImportReport):
    order = Order.objects.get(number="OR-536370")

    assert (order.customer, order.email) == (None, "")


def test_a_second_import_creates_and_changes_nothing(small_shop_csv: Path, report: ImportReport):
    before = _snapshot()

    again = import_online_retail(path=small_shop_csv)

    assert (again.created_anything, again.rows_already_imported, _snapshot()) == (False, 6, before)


def test_an_interrupted_import_is_completed_by_the_next_run(small_shop_csv: Path, report: ImportReport):
    Order.objects.filter(number="OR-536370").delete()  # as if the last batch had failed

    again = import_online_retail(path=small_shop_csv)

    assert (again.orders_created, again.products_created, Order.objects.count()) == (1, 0, 4)


def test_a_gzip_file_imports_like_the_plain_one(tmp_path: Path):
    path = write_retail_csv(tmp_path / "small-shop.csv.gz", SMALL_SHOP_ROWS, compress=True)

    report = import_online_retail(path=path)

    assert (report.rows_imported, report.orders_created) == (6, 4)


def test_gzip_is_detected_whatever_the_file_is_called(tmp_path: Path):
    path = tmp_path / "export.txt"
    path.write_bytes(gzip.compress(write_retail_csv(tmp_path / "plain.csv", SMALL_SHOP_ROWS).read_bytes()))

    assert import_online_retail(path=path).orders_created == 4


def test_online_retail_ii_files_import(tmp_path: Path):
    rows = [
        ("489434", "85048", "15CM CHRISTMAS GLASS BALL 20 LIGHTS", "12", "01/12/2009 07:45", "6.95", "13085.0", "United Kingdom"),
        ("489434", "22041", "RECORD FRAME 7\" SINGLE SIZE ", "48", "01/12/2009 07:45", "2.10", "13085.0", "United Kingdom"),
        ("C489449", "22087", "PAPER BUNTING WHITE LACE", "-12", "13/12/2009 10:33", "2.95", "16321", "Australia"),
    ]  # fmt: skip
    path = write_retail_csv(tmp_path / "online_retail_II.csv", rows, header=RETAIL_II_HEADER)

    import_online_retail(path=path)

    assert sorted(Order.objects.values_list("number", "placed_at__date", "customer__external_ref")) == [
        ("OR-489434", date(2009, 12, 1), "online-retail:13085"),
        ("OR-C489449", date(2009, 12, 13), "online-retail:16321"),
    ]


def test_a_taken_slug_gets_the_stock_code(small_shop_csv: Path):
    ProductFactory.create(slug="white-metal-lantern")

    import_online_retail(path=small_shop_csv)

    assert Product.objects.get(variants__sku="71053").slug == "white-metal-lantern-71053"


def test_an_existing_account_with_the_customers_address_is_reused(small_shop_csv: Path):
    UserFactory.create(email="customer-17850@online-retail.invalid")

    report = import_online_retail(path=small_shop_csv)

    assert (
        report.customers_created,
        User.objects.filter(email__iexact="customer-17850@online-retail.invalid").count(),
    ) == (
        2,
        1,
    )


def test_an_order_number_taken_by_another_order_is_skipped(small_shop_csv: Path):
    Order.objects.create(number="OR-536370", placed_at=datetime(2020, 1, 1, tzinfo=DATA_TIME_ZONE))

    report = import_online_retail(path=small_shop_csv)

    assert report.skipped[SkipReason.ORDER_NUMBER_TAKEN] == 1


def test_the_command_prints_the_report(small_shop_csv: Path):
    out = StringIO()

    call_command(
        "import_online_retail", str(small_shop_csv), "--no-progress", "--batch-size", "3", stdout=out
    )

    assert "rows imported:                  6" in out.getvalue()


def test_the_command_says_when_there_was_nothing_new(small_shop_csv: Path, report: ImportReport):
    out = StringIO()

    call_command("import_online_retail", str(small_shop_csv), "--no-progress", stdout=out)

    assert "Nothing new" in out.getvalue()


def test_the_command_refuses_a_missing_file(tmp_path: Path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_online_retail", str(tmp_path / "nowhere.csv"), "--no-progress")


def test_the_command_refuses_a_file_that_is_not_online_retail(tmp_path: Path):
    path = tmp_path / "other.csv"
    path.write_text("name,price\nmug,2.00\n")

    with pytest.raises(CommandError, match="Not an Online Retail file"):
        call_command("import_online_retail", str(path), "--no-progress")
