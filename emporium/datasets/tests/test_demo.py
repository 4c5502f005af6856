"""The demo subset: how it is chosen, the committed file, and setup_demo loading it."""

from __future__ import annotations

import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from emporium.catalog.models import Product
from emporium.catalog.tests.factories import ProductFactory
from emporium.checkout.models import ShippingMethod
from emporium.datasets.demo import DEMO_DATA_PATH, choose_demo_products, make_demo_subset
from emporium.datasets.online_retail import read_online_retail
from emporium.datasets.tests.conftest import ORIGINAL_HEADER, write_retail_csv
from emporium.orders.models import Order

ROWS = [
    # Three mugs on many invoices, one lantern on few, one candle; invoice 5 has postage.
    ("1", "10001", "RED MUG", "1", "2010-12-01 08:00", "1.00", "101.0", "UK"),
    ("2", "10001", "RED MUG", "1", "2010-12-01 09:00", "1.00", "102.0", "UK"),
    ("3", "10001", "RED MUG", "1", "2010-12-01 10:00", "1.00", "103.0", "UK"),
    ("3", "10002", "BLUE MUG", "1", "2010-12-01 10:00", "1.00", "103.0", "UK"),
    ("4", "10002", "BLUE MUG", "1", "2010-12-01 11:00", "1.00", "104.0", "UK"),
    ("5", "20001", "WHITE METAL LANTERN", "1", "2010-12-01 12:00", "3.00", "105.0", "UK"),
    ("5", "POST", "POSTAGE", "1", "2010-12-01 12:00", "18.00", "105.0", "UK"),
    ("6", "20002", "PINK PILLAR CANDLE", "1", "2010-12-01 13:00", "2.00", "", "UK"),
]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_retail_csv(tmp_path / "source.csv", ROWS)


def test_every_category_gets_a_product_before_any_gets_two(source: Path):
    dataset = read_online_retail(path=source)

    chosen = choose_demo_products(dataset=dataset, count=2)

    assert sorted(chosen) == ["10001", "20001"]  # one mug (most invoiced), one from the candles


def test_the_subset_keeps_the_chosen_products_rows_and_their_postage(source: Path, tmp_path: Path):
    out = tmp_path / "demo.csv.gz"

    make_demo_subset(source=source, out=out, product_count=2)

    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    assert lines == [
        ",".join(ORIGINAL_HEADER),
        "1,10001,RED MUG,1,2010-12-01 08:00,1.00,101.0,UK",
        "2,10001,RED MUG,1,2010-12-01 09:00,1.00,102.0,UK",
        "3,10001,RED MUG,1,2010-12-01 10:00,1.00,103.0,UK",
        "5,20001,WHITE METAL LANTERN,1,2010-12-01 12:00,3.00,105.0,UK",
        "5,POST,POSTAGE,1,2010-12-01 12:00,18.00,105.0,UK",
    ]


def test_the_subset_is_the_same_bytes_every_time(source: Path, tmp_path: Path):
    make_demo_subset(source=source, out=tmp_path / "first.csv.gz", product_count=2)
    make_demo_subset(source=source, out=tmp_path / "second.csv.gz", product_count=2)

    assert (tmp_path / "first.csv.gz").read_bytes() == (tmp_path / "second.csv.gz").read_bytes()


def test_a_row_budget_keeps_or_drops_whole_customers(source: Path, tmp_path: Path):
    out = tmp_path / "small.csv.gz"

    make_demo_subset(source=source, out=out, product_count=4, max_rows=4)

    kept = gzip.decompress(out.read_bytes()).decode().splitlines()[1:]
    owners = {row[6] or row[0] for row in ROWS}
    rows_per_owner = {owner: sum(1 for row in ROWS if (row[6] or row[0]) == owner) for owner in owners}
    kept_per_owner = {
        owner: sum(1 for line in kept if (line.split(",")[6] or line.split(",")[0]) == owner)
        for owner in owners
    }
    assert 0 < len(kept) < len(ROWS)
    assert all(kept_per_owner[owner] in (0, rows_per_owner[owner]) for owner in owners)


def test_the_command_writes_the_subset(source: Path, tmp_path: Path):
    out = StringIO()

    call_command(
        "make_demo_subset", str(source), str(tmp_path / "demo.csv.gz"), "--products", "2", stdout=out
    )

    assert "2 products" in out.getvalue()


def test_the_committed_demo_file_is_small():
    assert DEMO_DATA_PATH.stat().st_size < 1024 * 1024


def test_the_committed_demo_file_carries_its_attribution():
    readme = (DEMO_DATA_PATH.parent / "README.md").read_text()

    assert "Chen, D. (2015). Online Retail [Dataset]. UCI Machine Learning Repository." in readme
    assert "https://doi.org/10.24432/C5BW33" in readme
    assert "License: CC BY 4.0" in readme


@pytest.mark.django_db
def test_setup_demo_fills_an_empty_shop_from_the_demo_file():
    out = StringIO()

    call_command("setup_demo", stdout=out)

    assert "Loaded the demo shop" in out.getvalue()
    assert (Product.objects.count(), Order.objects.filter(number__startswith="OR-").exists()) == (300, True)
    assert ShippingMethod.objects.filter(countries__contains="GB").exists()
    assert "WELCOME10" in out.getvalue()


@pytest.mark.django_db
def test_setup_demo_leaves_a_shop_with_products_alone():
    ProductFactory.create()
    out = StringIO()

    call_command("setup_demo", stdout=out)

    assert "no demo data loaded" in out.getvalue()
    assert (Product.objects.count(), Order.objects.count()) == (1, 0)


@pytest.mark.django_db
def test_setup_demo_prints_the_address_the_shop_will_listen_on():
    ProductFactory.create()
    out = StringIO()

    call_command("setup_demo", "--host", "0.0.0.0", "--port", "9000", stdout=out)

    assert "admin at http://0.0.0.0:9000/admin/" in out.getvalue()
    assert "8000" not in out.getvalue()
