"""CSV files in the Online Retail layouts, written by the tests that read them."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from pathlib import Path

import pytest

ORIGINAL_HEADER = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
RETAIL_II_HEADER = (
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
)
SHARED_FILE = Path("/work/shared/data/online-retail/online-retail-2010-12-01-to-2011-08-31.csv.gz")

# A day of a small shop, with the data's usual mess. Expected outcome per row on the right.
SMALL_SHOP_ROWS: tuple[tuple[str, ...], ...] = (
    # Two real products and postage on one invoice.
    ("536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "6", "2010-12-01 08:26:00", "2.55", "17850.0", "United Kingdom"),  # line
    ("536365", "71053", "WHITE METAL LANTERN", "6", "2010-12-01 08:26:00", "3.39", "17850.0", "United Kingdom"),  # line
    ("536365", "POST", "POSTAGE", "1", "2010-12-01 08:26:00", "18.00", "17850.0", "United Kingdom"),  # line, no variant
    # The same product again, lower-case code, trailing space, later and dearer.
    ("536366", "85123a", "WHITE HANGING HEART T-LIGHT HOLDER ", "2", "2010-12-02 09:00:00", "2.95", "17850", "United Kingdom"),  # line
    # A cancellation and a guest order.
    ("C536379", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "-1", "2010-12-02 10:00:00", "2.95", "14527.0", "France"),  # line
    ("536370", "71053", "WHITE METAL LANTERN", "3", "2010-12-02 11:00:00", "3.39", "", "United Kingdom"),  # line
    # Bad rows, one per reason.
    ("536400", "21777", "", "-10", "2010-12-02 12:00:00", "0.0", "", "United Kingdom"),  # stock_adjustment
    ("536401", "22139", "found", "5", "2010-12-02 12:00:00", "0", "", "United Kingdom"),  # zero_price
    ("536402", "M", "Manual", "1", "2010-12-02 12:00:00", "5.00", "17850.0", "United Kingdom"),  # non_product_code
    ("536403", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "1", "2010-12-02 12:00:00", "-2.00", "", "United Kingdom"),  # negative_price
    ("536404", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "1", "not a date", "2.55", "", "United Kingdom"),  # unparseable_date
    ("536405", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "six", "2010-12-02 12:00:00", "2.55", "", "United Kingdom"),  # unparseable_quantity
    ("536406", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "1", "2010-12-02 12:00:00", "2,55p", "", "United Kingdom"),  # unparseable_price
    ("536407", "99999", "", "2", "2010-12-02 12:00:00", "1.50", "17850.0", "United Kingdom"),  # unknown_product
    ("536408", "POST", "POSTAGE", "1", "2010-12-02 13:00:00", "18.00", "12345.0", "Germany"),  # no_product_lines
)  # fmt: skip


def write_retail_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = ORIGINAL_HEADER,
    compress: bool = False,
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.fixture
def small_shop_csv(tmp_path: Path) -> Path:
    return write_retail_csv(tmp_path / "small-shop.csv", SMALL_SHOP_ROWS)
