"""Reading Online Retail files: values, layouts, dates and the rules that shape products."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from emporium.datasets.online_retail import (
    DATA_TIME_ZONE,
    DatasetFormatError,
    DateOrder,
    RetailRow,
    SkipReason,
    StockCodeKind,
    build_dataset,
    classify_stock_code,
    detect_date_order,
    estimate_stock,
    format_product_name,
    locate_columns,
    normalise_stock_code,
    parse_customer_id,
    parse_invoice_date,
    parse_quantity,
    parse_rows,
    read_online_retail,
    read_text,
)
from emporium.datasets.tests.conftest import (
    ORIGINAL_HEADER,
    RETAIL_II_HEADER,
    SMALL_SHOP_ROWS,
    write_retail_csv,
)


def test_iso_dates_are_uk_local_time():
    placed = parse_invoice_date("2010-12-01 08:26:00", order=DateOrder.MONTH_FIRST)

    assert placed == datetime(2010, 12, 1, 8, 26, tzinfo=DATA_TIME_ZONE)


def test_summer_dates_are_an_hour_ahead_of_utc():
    placed = parse_invoice_date("2011-06-01 10:00:00", order=DateOrder.MONTH_FIRST)

    assert placed.astimezone(UTC).hour == 9


@pytest.mark.parametrize(
    ("value", "order"),
    [
        ("12/1/2010 8:26", DateOrder.MONTH_FIRST),  # the UCI spreadsheet export
        ("01/12/2010 08:26", DateOrder.DAY_FIRST),  # a UK export
        ("1/12/10 08:26", DateOrder.DAY_FIRST),
        ("2010-12-01T08:26", DateOrder.DAY_FIRST),  # ISO ignores the order
    ],
)
def test_slash_dates_follow_the_files_order(value, order):
    assert parse_invoice_date(value, order=order) == datetime(2010, 12, 1, 8, 26, tzinfo=DATA_TIME_ZONE)


@pytest.mark.parametrize(
    "value", ["", "yesterday", "2010-13-01 08:00", "31/31/2010 08:00", "2010-12-01 25:00"]
)
def test_impossible_dates_are_refused(value):
    with pytest.raises(ValueError):  # noqa: PT011 - the parsers' contract is a plain ValueError
        parse_invoice_date(value, order=DateOrder.DAY_FIRST)


@pytest.mark.parametrize(
    ("values", "order"),
    [
        (["2010-12-01 08:26:00", "1/12/2011 9:00", "13/12/2011 9:00"], DateOrder.DAY_FIRST),
        (["1/12/2011 9:00", "12/13/2011 9:00"], DateOrder.MONTH_FIRST),
        (["1/12/2011 9:00", "12/1/2011 9:00"], DateOrder.MONTH_FIRST),  # no evidence either way
        (["2010-12-01 08:26:00"], DateOrder.MONTH_FIRST),
    ],
)
def test_date_order_is_read_from_the_first_date_that_tells(values, order):
    assert detect_date_order(values) == order


@pytest.mark.parametrize(
    ("value", "expected"), [("17850.0", "17850"), ("17850", "17850"), (" 12346 ", "12346"), ("", None)]
)
def test_customer_ids_with_or_without_decimals_are_the_same_customer(value, expected):
    assert parse_customer_id(value) == expected


@pytest.mark.parametrize("value", ["17850.5", "abc", "-3"])
def test_customer_ids_that_are_not_whole_numbers_are_refused(value):
    with pytest.raises(ValueError):  # noqa: PT011
        parse_customer_id(value)


@pytest.mark.parametrize(("value", "expected"), [("6", 6), ("-12", -12), ("6.0", 6)])
def test_quantities_are_whole_numbers(value, expected):
    assert parse_quantity(value) == expected


def test_fractional_quantities_are_refused():
    with pytest.raises(ValueError):  # noqa: PT011
        parse_quantity("1.5")


def test_stock_codes_are_trimmed_and_upper_cased():
    assert normalise_stock_code(" 85123a ") == "85123A"


@pytest.mark.parametrize("code", ["POST", "DOT", "C2"])
def test_postage_and_carriage_are_charges(code):
    assert classify_stock_code(normalise_stock_code(code)) == StockCodeKind.CHARGE


@pytest.mark.parametrize(
    "code",
    ["M", "m", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "gift_0001_20", "GIFT_0001_50"],
)
def test_bookkeeping_codes_are_not_products(code):
    assert classify_stock_code(normalise_stock_code(code)) == StockCodeKind.NON_PRODUCT


@pytest.mark.parametrize("code", ["85123A", "22423", "DCGS0003", "15056BL"])
def test_ordinary_codes_are_products(code):
    assert classify_stock_code(code) == StockCodeKind.PRODUCT


@pytest.mark.parametrize(
    ("description", "name"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER ", "White Hanging Heart T-Light Holder"),
        ("SET OF 3 CAKE TINS PANTRY DESIGN", "Set of 3 Cake Tins Pantry Design"),
        ("DAD'S CAB ELECTRONIC METER", "Dad's Cab Electronic Meter"),
        ("PINK/WHITE LED LIGHTS", "Pink/White LED Lights"),
        ("BAG 500g SWIRLY MARBLES", "Bag 500g Swirly Marbles"),
        ("3D HEARTS  HONEYCOMB PAPER GARLAND", "3D Hearts Honeycomb Paper Garland"),
        ("OF COURSE", "Of Course"),
    ],
)
def test_product_names_are_title_cased_for_people(description, name):
    assert format_product_name(" ".join(description.split())) == name


@pytest.mark.parametrize("header", [ORIGINAL_HEADER, RETAIL_II_HEADER])
def test_both_layouts_are_recognised(header):
    assert set(locate_columns(list(header))) == {
        "invoice", "stock_code", "description", "quantity", "invoice_date", "unit_price", "customer_id", "country",
    }  # fmt: skip


def test_a_file_without_the_columns_is_refused():
    with pytest.raises(DatasetFormatError):
        locate_columns(["InvoiceNo", "StockCode", "Quantity"])


def test_gzip_is_recognised_by_its_bytes_not_its_name(tmp_path: Path):
    path = tmp_path / "misnamed.csv"
    path.write_bytes(gzip.compress(b"InvoiceNo\n536365\n"))

    assert read_text(path) == "InvoiceNo\n536365\n"


def test_a_plain_file_named_gz_is_read_as_plain(tmp_path: Path):
    path = tmp_path / "not-compressed.csv.gz"
    path.write_bytes(b"InvoiceNo\n536365\n")

    assert read_text(path) == "InvoiceNo\n536365\n"


def test_a_spreadsheet_export_in_windows_1252_is_read(tmp_path: Path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("Description\nGift Voucher £10.00\n".encode("cp1252"))

    assert "£10.00" in read_text(path)


def test_every_bad_row_is_rejected_with_its_reason(small_shop_csv: Path):
    dataset = read_online_retail(path=small_shop_csv)

    assert dict(dataset.skipped) == {
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


def test_every_row_is_either_kept_or_skipped(small_shop_csv: Path):
    dataset = read_online_retail(path=small_shop_csv)

    assert dataset.rows_kept + sum(dataset.skipped.values()) == dataset.rows_read == len(SMALL_SHOP_ROWS)


def test_lower_case_codes_are_the_same_product(small_shop_csv: Path):
    dataset = read_online_retail(path=small_shop_csv)

    assert sorted(dataset.products) == ["71053", "85123A"]


def test_a_product_costs_its_most_recent_positive_price(small_shop_csv: Path):
    dataset = read_online_retail(path=small_shop_csv)

    assert dataset.products["85123A"].price == Decimal("2.95")


def test_a_product_is_named_by_its_most_frequent_description(tmp_path: Path):
    rows = [
        ("1", "10001", "RED MUG", "1", "2010-12-01 08:00", "1.00", "", "UK"),
        ("2", "10001", "RED MUG ", "1", "2010-12-02 08:00", "1.00", "", "UK"),
        ("3", "10001", "MUG, RED", "1", "2010-12-03 08:00", "1.00", "", "UK"),
        ("4", "10001", "damaged", "-1", "2010-12-04 08:00", "0", "", "UK"),  # notes never name
        ("5", "10001", "damaged", "-1", "2010-12-05 08:00", "0", "", "UK"),
        ("6", "10001", "damaged", "-1", "2010-12-06 08:00", "0", "", "UK"),
    ]
    dataset = read_online_retail(path=write_retail_csv(tmp_path / "mugs.csv", rows))

    assert dataset.products["10001"].name == "Red Mug"


def test_charges_described_as_carriage_are_not_products(tmp_path: Path):
    rows = [
        ("1", "10001", "RED MUG", "1", "2010-12-01 08:00", "1.00", "", "UK"),
        ("1", "23444", "Next Day Carriage", "1", "2010-12-01 08:00", "15.00", "", "UK"),
    ]
    dataset = read_online_retail(path=write_retail_csv(tmp_path / "carriage.csv", rows))

    assert [line.is_product for line in dataset.invoices[0].lines] == [True, False]


def test_an_invoice_keyed_over_two_minutes_is_placed_at_the_first(tmp_path: Path):
    rows = [
        ("1", "10001", "RED MUG", "1", "2010-12-01 16:58:00", "1.00", "", "UK"),
        ("1", "10002", "BLUE MUG", "1", "2010-12-01 16:57:00", "1.00", "", "UK"),
    ]
    dataset = read_online_retail(path=write_retail_csv(tmp_path / "slow-clerk.csv", rows))

    assert dataset.invoices[0].placed_at == datetime(2010, 12, 1, 16, 57, tzinfo=DATA_TIME_ZONE)


def test_online_retail_ii_with_uk_dates_is_read_day_first(tmp_path: Path):
    rows = [
        ("489434", "85048", "15CM CHRISTMAS GLASS BALL 20 LIGHTS", "12", "01/12/2009 07:45", "6.95", "13085.0", "United Kingdom"),
        ("489435", "22350", "CAT BOWL", "12", "13/12/2009 07:46", "2.55", "13085", "United Kingdom"),
    ]  # fmt: skip
    path = write_retail_csv(tmp_path / "retail-ii.csv", rows, header=RETAIL_II_HEADER)

    dataset = read_online_retail(path=path)

    assert [invoice.placed_at.date().isoformat() for invoice in dataset.invoices] == [
        "2009-12-01",
        "2009-12-13",
    ]


def test_a_forced_date_order_overrides_detection(tmp_path: Path):
    rows = [("1", "10001", "RED MUG", "1", "02/03/2011 08:00", "1.00", "", "UK")]
    path = write_retail_csv(tmp_path / "forced.csv", rows)

    dataset = read_online_retail(path=path, date_order=DateOrder.DAY_FIRST)

    assert dataset.invoices[0].placed_at.month == 3


def test_rows_that_do_not_fit_the_files_date_order_are_rejected():
    text = "\n".join(
        [
            ",".join(ORIGINAL_HEADER),
            "1,10001,RED MUG,1,13/12/2010 08:00,1.00,,UK",  # day-first evidence
            "2,10001,RED MUG,1,12/13/2010 08:00,1.00,,UK",  # impossible day-first
        ]
    )
    rows, order = parse_rows(text)

    assert order == DateOrder.DAY_FIRST
    assert [getattr(row, "reason", None) for row in rows] == [None, SkipReason.UNPARSEABLE_DATE]


def test_a_short_row_is_rejected_not_fatal():
    rows, _ = parse_rows(",".join(ORIGINAL_HEADER) + "\n536365,85123A\n")

    assert [getattr(row, "reason", None) for row in rows] == [SkipReason.MALFORMED_ROW]


def test_slow_sellers_still_get_stock_to_sell():
    assert estimate_stock(units_sold=1, months=9) == 12


def test_stock_is_about_a_month_of_sales_in_sixes():
    assert estimate_stock(units_sold=900, months=9) == 102


def test_customers_are_first_seen_at_their_earliest_invoice(small_shop_csv: Path):
    rows, order = parse_rows(small_shop_csv.read_text())
    dataset = build_dataset(rows=rows, date_order=order)

    assert dataset.customers["17850"].first_seen == datetime(2010, 12, 1, 8, 26, tzinfo=DATA_TIME_ZONE)


def test_parsed_rows_keep_their_line_numbers(small_shop_csv: Path):
    rows, _ = parse_rows(small_shop_csv.read_text())

    assert [row.line_number for row in rows if isinstance(row, RetailRow)][:2] == [2, 3]
