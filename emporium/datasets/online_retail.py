"""Reading the UCI "Online Retail" dataset into products, customers and invoices: no database here.

The file is real and messy (see the dataset README). Every row either becomes part of an
invoice or is rejected with a :class:`SkipReason`; nothing here raises on a bad row. The
services in :mod:`emporium.datasets.services` write what this module returns.

Decisions, in one place:

* **Layouts.** Both the original columns (``InvoiceNo, StockCode, Description, Quantity,
  InvoiceDate, UnitPrice, CustomerID, Country``) and the "Online Retail II" ones (``Invoice``,
  ``Price``, ``Customer ID``) are recognised by name, in any order, case and spacing ignored.
* **Compression and encoding.** gzip is recognised by its magic bytes, whatever the file is
  called. Text is UTF-8 (a BOM is allowed); a file that is not valid UTF-8 is read as
  Windows-1252, which is what spreadsheet exports of this dataset use.
* **Dates** are UK local time (Europe/London) and made timezone-aware. ISO dates
  (``2010-12-01 08:26:00``) are unambiguous. For slash dates the order is decided once per
  file, never per row: a first number above 12 (``13/1/2011``) makes the file day-first, a
  second number above 12 (``1/13/2011``) month-first. A file that never says (every day of
  the month is 12 or less) is read month-first, as the UCI original's spreadsheet export
  writes it (``12/1/2010 8:26``). A caller can force the order. Rows whose date does not fit
  the chosen order are rejected as unparseable.
* **Stock codes** are stripped and upper-cased ("85123a" is "85123A": the data uses both for
  the same product). Codes for charges and bookkeeping are not products: see
  :data:`NON_PRODUCT_CODES` and :data:`CHARGE_CODES`.
* **Products**: one per remaining code that has at least one row with a positive price and a
  description. Its name is the most frequent description on such rows (adjustment notes such
  as "damaged" come on zero-price rows, so they never name a product), its price the most
  recent positive unit price, and its stock about a month of its sales in the file.
* **Cancellations** (invoice numbers starting with ``C``) become orders of their own with
  negative quantities, as in the data. They cannot be tied to the invoice they cancel (the
  data does not say which), so they do not alter it.
* **Charges** (postage, carriage, packing) stay on their invoice as lines without a product,
  so an imported order totals what the customer paid. Other non-product lines (manual
  adjustments, discounts, fees, samples, vouchers, bad debt) are skipped: they are
  bookkeeping, not purchases, and some carry four- and five-figure amounts that would
  distort every revenue figure. An invoice with no product line at all is not an order.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from emporium.datasets.taxonomy import categorise

DATA_TIME_ZONE = ZoneInfo("Europe/London")
EXTERNAL_REF_PREFIX = "online-retail:"
CUSTOMER_EMAIL_DOMAIN = "online-retail.invalid"  # .invalid can never receive mail (RFC 2606)
ORDER_NUMBER_PREFIX = "OR-"
CURRENCY = "GBP"  # the dataset's prices are in pounds sterling, whatever the shop's default
GZIP_MAGIC = b"\x1f\x8b"
PENNY = Decimal("0.01")


class SkipReason(StrEnum):
    MALFORMED_ROW = "malformed_row"
    MISSING_INVOICE = "missing_invoice"
    MISSING_STOCK_CODE = "missing_stock_code"
    UNPARSEABLE_DATE = "unparseable_date"
    UNPARSEABLE_QUANTITY = "unparseable_quantity"
    UNPARSEABLE_PRICE = "unparseable_price"
    UNPARSEABLE_CUSTOMER_ID = "unparseable_customer_id"
    NON_PRODUCT_CODE = "non_product_code"
    NEGATIVE_PRICE = "negative_price"
    STOCK_ADJUSTMENT = "stock_adjustment"
    ZERO_QUANTITY = "zero_quantity"
    POSITIVE_QUANTITY_ON_CANCELLATION = "positive_quantity_on_cancellation"
    ZERO_PRICE = "zero_price"
    UNKNOWN_PRODUCT = "unknown_product"
    NO_PRODUCT_LINES = "no_product_lines"
    ORDER_NUMBER_TAKEN = "order_number_taken"

    @property
    def explanation(self) -> str:
        return _SKIP_EXPLANATIONS[self]


_SKIP_EXPLANATIONS = {
    SkipReason.MALFORMED_ROW: "fewer columns than the header",
    SkipReason.MISSING_INVOICE: "no invoice number",
    SkipReason.MISSING_STOCK_CODE: "no stock code",
    SkipReason.UNPARSEABLE_DATE: "invoice date not understood",
    SkipReason.UNPARSEABLE_QUANTITY: "quantity is not a whole number",
    SkipReason.UNPARSEABLE_PRICE: "unit price is not a number",
    SkipReason.UNPARSEABLE_CUSTOMER_ID: "customer id is not a whole number",
    SkipReason.NON_PRODUCT_CODE: "bookkeeping code, not a product (manual, discount, fees, vouchers ...)",
    SkipReason.NEGATIVE_PRICE: "negative unit price (bad-debt adjustment)",
    SkipReason.STOCK_ADJUSTMENT: "negative quantity outside a cancellation (stock written off or found)",
    SkipReason.ZERO_QUANTITY: "quantity of zero",
    SkipReason.POSITIVE_QUANTITY_ON_CANCELLATION: "positive quantity on a cancellation invoice",
    SkipReason.ZERO_PRICE: "unit price of zero (free item or stock note)",
    SkipReason.UNKNOWN_PRODUCT: "no description and a stock code never sold with one",
    SkipReason.NO_PRODUCT_LINES: "charge on an invoice without any product",
    SkipReason.ORDER_NUMBER_TAKEN: "the shop already has an order with this number from elsewhere",
}

# Codes that are bookkeeping, not goods. Keys are normalised (upper case).
NON_PRODUCT_CODES: dict[str, str] = {
    "M": "manual adjustment",
    "D": "discount",
    "S": "samples",
    "B": "bad-debt adjustment",
    "BANK CHARGES": "bank charges",
    "AMAZONFEE": "Amazon fee",
    "CRUK": "CRUK commission",
    "PADS": "cushion pads sold at 0.001",
    "ADJUST": "adjustment",
    "ADJUST2": "adjustment",
    "TEST001": "test",
    "TEST002": "test",
}
_NON_PRODUCT_PATTERNS = (re.compile(r"^GIFT_\d+_\d+$"),)  # gift vouchers: money, not goods
# Charges the customer paid for delivery: kept on the order as lines without a product.
CHARGE_CODES: dict[str, str] = {"POST": "postage", "DOT": "dotcom postage", "C2": "carriage"}
_CHARGE_DESCRIPTION = re.compile(r"\b(POSTAGE|CARRIAGE|PACKING CHARGE)\b", re.IGNORECASE)


class DateOrder(StrEnum):
    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"


class StockCodeKind(StrEnum):
    PRODUCT = "product"
    CHARGE = "charge"
    NON_PRODUCT = "non_product"


class DatasetFormatError(ValueError):
    """The file is not an Online Retail CSV at all (missing columns): nothing can be imported."""


@dataclass(frozen=True, slots=True)
class RetailRow:
    line_number: int
    invoice: str
    stock_code: str
    description: str
    quantity: int
    unit_price: Decimal
    invoiced_at: datetime
    customer_id: str | None
    country: str

    @property
    def is_cancellation(self) -> bool:
        return self.invoice.startswith("C")


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line_number: int
    reason: SkipReason
    value: str


@dataclass(frozen=True, slots=True)
class ProductRecord:
    sku: str
    name: str
    category_path: tuple[str, ...]
    price: Decimal
    stock_on_hand: int
    units_sold: int


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    customer_id: str
    first_seen: datetime

    @property
    def external_ref(self) -> str:
        return f"{EXTERNAL_REF_PREFIX}{self.customer_id}"

    @property
    def email(self) -> str:
        return f"customer-{self.customer_id}@{CUSTOMER_EMAIL_DOMAIN}"


@dataclass(frozen=True, slots=True)
class LineRecord:
    sku: str
    product_name: str
    quantity: int
    unit_price: Decimal
    is_product: bool  # False for a charge (postage ...): the order line has no variant

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    invoice: str
    placed_at: datetime
    customer_id: str | None
    country: str
    lines: tuple[LineRecord, ...]

    @property
    def is_cancellation(self) -> bool:
        return self.invoice.startswith("C")

    @property
    def external_ref(self) -> str:
        return f"{EXTERNAL_REF_PREFIX}{self.invoice}"

    @property
    def number(self) -> str:
        return f"{ORDER_NUMBER_PREFIX}{self.invoice}"

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))


@dataclass
class RetailDataset:
    """Everything an import writes, plus the account of what it left out and why."""

    products: dict[str, ProductRecord]
    customers: dict[str, CustomerRecord]
    invoices: list[InvoiceRecord]
    rows_read: int
    date_order: DateOrder
    skipped: Counter[SkipReason] = field(default_factory=Counter)
    skipped_codes: Counter[str] = field(default_factory=Counter)

    @property
    def rows_kept(self) -> int:
        return sum(len(invoice.lines) for invoice in self.invoices)


# --- Values ---------------------------------------------------------------------------------

_HEADER_ALIASES = {
    "invoiceno": "invoice",
    "invoice": "invoice",
    "stockcode": "stock_code",
    "description": "description",
    "quantity": "quantity",
    "invoicedate": "invoice_date",
    "unitprice": "unit_price",
    "price": "unit_price",
    "customerid": "customer_id",
    "country": "country",
}
COLUMNS = (
    "invoice",
    "stock_code",
    "description",
    "quantity",
    "invoice_date",
    "unit_price",
    "customer_id",
    "country",
)

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def normalise_stock_code(value: str) -> str:
    return " ".join(value.split()).upper()


@lru_cache(maxsize=65536)
def classify_stock_code(code: str) -> StockCodeKind:
    """Whether a normalised stock code is a product, a delivery charge or bookkeeping."""
    if code in CHARGE_CODES:
        return StockCodeKind.CHARGE
    if code in NON_PRODUCT_CODES or any(pattern.match(code) for pattern in _NON_PRODUCT_PATTERNS):
        return StockCodeKind.NON_PRODUCT
    return StockCodeKind.PRODUCT


def is_charge_description(description: str) -> bool:
    """ "Next Day Carriage" and "PACKING CHARGE" have ordinary-looking codes but are charges."""
    return bool(_CHARGE_DESCRIPTION.search(description))


def parse_quantity(value: str) -> int:
    """A whole number; "6" and "6.0" are both 6. Raises ValueError otherwise."""
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        number = _parse_decimal(text)
        if number != number.to_integral_value():
            raise ValueError(value) from None
        return int(number)


def parse_price(value: str) -> Decimal:
    return _parse_decimal(value.strip())


def parse_customer_id(value: str) -> str | None:
    """ "17850.0", "17850" -> "17850"; empty -> None (a guest). Raises ValueError otherwise."""
    text = value.strip()
    if not text or text.lower() in {"nan", "none", "null"}:
        return None
    if text.isdigit():
        return str(int(text))
    number = _parse_decimal(text)
    if number != number.to_integral_value() or number <= 0:
        raise ValueError(value)
    return str(int(number))


def _parse_decimal(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def _slash_date_parts(value: str) -> tuple[int, int] | None:
    match = _SLASH_DATE.match(value.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def detect_date_order(values: Iterable[str]) -> DateOrder:
    """The order of day and month in a file's slash dates, from the first value that tells.

    See the module docstring: a number above 12 in first place means day-first, in second
    place month-first; with no such value the file is read month-first.
    """
    for value in values:
        parts = _slash_date_parts(value)
        if parts is None:
            continue
        first, second = parts
        if first > 12 >= second:
            return DateOrder.DAY_FIRST
        if second > 12 >= first:
            return DateOrder.MONTH_FIRST
    return DateOrder.MONTH_FIRST


def parse_invoice_date(value: str, *, order: DateOrder) -> datetime:
    """An aware datetime in UK time from ISO or slash notation. Raises ValueError otherwise."""
    text = value.strip()
    if match := _ISO_DATE.match(text):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        time_groups = match.groups()[3:]
    elif match := _SLASH_DATE.match(text):
        first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        year = year + 2000 if year < 100 else year
        day, month = (first, second) if order == DateOrder.DAY_FIRST else (second, first)
        time_groups = match.groups()[3:]
    else:
        raise ValueError(value)
    hour, minute, second_of_minute = (int(part) if part else 0 for part in time_groups)
    return datetime(year, month, day, hour, minute, second_of_minute, tzinfo=DATA_TIME_ZONE)


_SMALL_WORDS = frozenset(
    {"A", "AN", "AND", "AS", "AT", "BY", "FOR", "IN", "OF", "ON", "OR", "THE", "TO", "W", "WITH"}
)
_UPPER_WORDS = frozenset(
    {"LED", "USB", "UK", "USA", "DVD", "CD", "TV", "BBQ", "DIY", "XL", "A4", "A5", "A6", "II"}
)
_WORD_PART = re.compile(r"([-/+&])")


@lru_cache(maxsize=65536)  # called for every row; a file has a few thousand distinct descriptions
def format_product_name(description: str) -> str:
    """ "WHITE HANGING HEART T-LIGHT HOLDER " -> "White Hanging Heart T-Light Holder".

    Capitalises each word part (so "T-LIGHT" is "T-Light" and "PINK/WHITE" "Pink/White"),
    lowers short joining words inside the name, keeps abbreviations and sizes readable
    ("LED", "3D", "500g"), and never turns "DAD'S" into "Dad'S" as str.title() does.
    """
    words = description.split()
    formatted = []
    for position, word in enumerate(words):
        bare = word.upper().strip(".,")
        if 0 < position < len(words) - 1 and bare in _SMALL_WORDS:
            formatted.append(word.lower())
            continue
        formatted.append("".join(_format_word_part(part) for part in _WORD_PART.split(word)))
    return " ".join(formatted)


def _format_word_part(part: str) -> str:
    upper = part.upper()
    if not part or upper in _UPPER_WORDS:
        return upper
    if part[0].isdigit():
        return upper if len(part) <= 2 else part.lower()
    lowered = part.lower()
    for index, character in enumerate(lowered):
        if character.isalpha():
            return lowered[:index] + character.upper() + lowered[index + 1 :]
    return lowered


# --- Reading --------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """The file's text, gunzipped if its first bytes say gzip, whatever its name."""
    data = path.read_bytes()
    if data[:2] == GZIP_MAGIC:
        data = gzip.decompress(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def locate_columns(header: list[str]) -> dict[str, int]:
    """Column name -> position, for either layout; raises DatasetFormatError if one is missing."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _HEADER_ALIASES.get(re.sub(r"[^a-z]", "", name.lower()))
        if key is not None and key not in positions:
            positions[key] = index
    missing = [column for column in COLUMNS if column not in positions]
    if missing:
        raise DatasetFormatError(f"Not an Online Retail file: no column for {', '.join(missing)}.")
    return positions


def parse_rows(
    text: str, *, date_order: DateOrder | None = None
) -> tuple[list[RetailRow | RejectedRow], DateOrder]:
    """Parse every data row; the date order is detected from the file unless given."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise DatasetFormatError("The file is empty.")
    positions = locate_columns(header)
    width = max(positions.values()) + 1
    if date_order is None:
        date_column = positions["invoice_date"]
        date_order = detect_date_order(
            row[date_column] for row in csv.reader(io.StringIO(text)) if len(row) > date_column
        )
    return list(_parse_records(reader, positions=positions, width=width, date_order=date_order)), date_order


def _parse_records(
    reader: Iterator[list[str]], *, positions: dict[str, int], width: int, date_order: DateOrder
) -> Iterator[RetailRow | RejectedRow]:
    dates: dict[str, datetime | None] = {}  # a few thousand distinct timestamps in 300,000 rows
    intern = sys.intern  # invoice, code and country repeat on every line: share the strings
    for line_number, record in enumerate(reader, start=2):  # line 1 is the header
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < width:
            yield RejectedRow(line_number, SkipReason.MALFORMED_ROW, ",".join(record))
            continue
        invoice = intern(record[positions["invoice"]].strip().upper())
        if not invoice:
            yield RejectedRow(line_number, SkipReason.MISSING_INVOICE, "")
            continue
        stock_code = intern(normalise_stock_code(record[positions["stock_code"]]))
        if not stock_code:
            yield RejectedRow(line_number, SkipReason.MISSING_STOCK_CODE, "")
            continue
        raw_date = record[positions["invoice_date"]]
        if raw_date not in dates:
            try:
                dates[raw_date] = parse_invoice_date(raw_date, order=date_order)
            except ValueError:
                dates[raw_date] = None
        invoiced_at = dates[raw_date]
        if invoiced_at is None:
            yield RejectedRow(line_number, SkipReason.UNPARSEABLE_DATE, raw_date)
            continue
        try:
            quantity = parse_quantity(record[positions["quantity"]])
        except ValueError:
            yield RejectedRow(line_number, SkipReason.UNPARSEABLE_QUANTITY, record[positions["quantity"]])
            continue
        try:
            unit_price = parse_price(record[positions["unit_price"]])
        except ValueError:
            yield RejectedRow(line_number, SkipReason.UNPARSEABLE_PRICE, record[positions["unit_price"]])
            continue
        try:
            customer_id = parse_customer_id(record[positions["customer_id"]])
        except ValueError:
            yield RejectedRow(
                line_number, SkipReason.UNPARSEABLE_CUSTOMER_ID, record[positions["customer_id"]]
            )
            continue
        yield RetailRow(
            line_number=line_number,
            invoice=invoice,
            stock_code=stock_code,
            description=" ".join(record[positions["description"]].split()),
            quantity=quantity,
            unit_price=unit_price,
            invoiced_at=invoiced_at,
            customer_id=intern(customer_id) if customer_id else None,
            country=intern(record[positions["country"]].strip()),
        )


# --- From rows to products, customers and invoices -------------------------------------------


def read_online_retail(*, path: Path, date_order: DateOrder | None = None) -> RetailDataset:
    rows, detected_order = parse_rows(read_text(path), date_order=date_order)
    return build_dataset(rows=rows, date_order=detected_order)


def build_dataset(*, rows: list[RetailRow | RejectedRow], date_order: DateOrder) -> RetailDataset:
    """Group parsed rows into products, customers and invoices, counting every row left out."""
    parsed = [row for row in rows if isinstance(row, RetailRow)]
    dataset = RetailDataset(
        products=build_products(rows=parsed),
        customers=build_customers(rows=parsed),
        invoices=[],
        rows_read=len(rows),
        date_order=date_order,
    )
    dataset.skipped.update(row.reason for row in rows if isinstance(row, RejectedRow))

    kept: dict[str, list[tuple[RetailRow, LineRecord]]] = defaultdict(list)
    for row in parsed:
        outcome = classify_row(row=row, products=dataset.products)
        if isinstance(outcome, SkipReason):
            dataset.skipped[outcome] += 1
            if outcome == SkipReason.NON_PRODUCT_CODE:
                dataset.skipped_codes[row.stock_code] += 1
        else:
            kept[row.invoice].append((row, outcome))

    for invoice, entries in kept.items():
        if not any(line.is_product for _, line in entries):
            dataset.skipped[SkipReason.NO_PRODUCT_LINES] += len(entries)
            continue
        first_row = entries[0][0]
        dataset.invoices.append(
            InvoiceRecord(
                invoice=invoice,
                # A few invoices were keyed over two minutes; the order was placed at the first.
                placed_at=min(row.invoiced_at for row, _ in entries),
                customer_id=next((row.customer_id for row, _ in entries if row.customer_id), None),
                country=first_row.country,
                lines=tuple(line for _, line in entries),
            )
        )
    dataset.invoices.sort(key=lambda record: (record.placed_at, record.invoice))
    return dataset


def classify_row(*, row: RetailRow, products: dict[str, ProductRecord]) -> LineRecord | SkipReason:
    """The order line a row becomes, or why it is left out. The checks run in this order."""
    kind = classify_stock_code(row.stock_code)
    if kind == StockCodeKind.NON_PRODUCT:
        return SkipReason.NON_PRODUCT_CODE
    if row.unit_price < 0:
        return SkipReason.NEGATIVE_PRICE
    if row.quantity < 0 and not row.is_cancellation:
        return SkipReason.STOCK_ADJUSTMENT
    if row.quantity == 0:
        return SkipReason.ZERO_QUANTITY
    if row.quantity > 0 and row.is_cancellation:
        return SkipReason.POSITIVE_QUANTITY_ON_CANCELLATION
    unit_price = row.unit_price.quantize(PENNY, rounding=ROUND_HALF_UP)
    if unit_price == 0:
        return SkipReason.ZERO_PRICE
    product = products.get(row.stock_code)
    if product is None and kind == StockCodeKind.PRODUCT and not is_charge_description(row.description):
        return SkipReason.UNKNOWN_PRODUCT
    name = format_product_name(row.description) if row.description else None
    if product is None:  # a charge: by its code, or by a description such as "Next Day Carriage"
        return LineRecord(
            sku=row.stock_code,
            product_name=name or CHARGE_CODES.get(row.stock_code, "charge").capitalize(),
            quantity=row.quantity,
            unit_price=unit_price,
            is_product=False,
        )
    return LineRecord(
        sku=product.sku,
        product_name=name or product.name,
        quantity=row.quantity,
        unit_price=unit_price,
        is_product=True,
    )


def build_products(*, rows: list[RetailRow]) -> dict[str, ProductRecord]:
    """One product per stock code sold at a positive price with a description, in file order."""
    descriptions: dict[str, Counter[str]] = defaultdict(Counter)
    last_described: dict[tuple[str, str], int] = {}
    latest_price: dict[str, tuple[datetime, int, Decimal]] = {}
    units_sold: Counter[str] = Counter()
    for row in rows:
        if row.unit_price <= 0 or classify_stock_code(row.stock_code) != StockCodeKind.PRODUCT:
            continue
        if row.description:
            descriptions[row.stock_code][row.description] += 1
            last_described[row.stock_code, row.description] = row.line_number
        seen = (row.invoiced_at, row.line_number, row.unit_price)
        if row.stock_code not in latest_price or seen[:2] > latest_price[row.stock_code][:2]:
            latest_price[row.stock_code] = seen
        if row.quantity > 0 and not row.is_cancellation:
            units_sold[row.stock_code] += row.quantity

    months = _months_covered(rows)
    products: dict[str, ProductRecord] = {}
    for code, counts in descriptions.items():
        # The most frequent description; on a tie, the one used last.
        description = max(counts, key=lambda text: (counts[text], last_described[code, text]))
        if is_charge_description(description):
            continue
        price = latest_price[code][2].quantize(PENNY, rounding=ROUND_HALF_UP)
        if price <= 0:
            continue
        products[code] = ProductRecord(
            sku=code,
            name=format_product_name(description)[:255],
            category_path=categorise(description),
            price=price,
            stock_on_hand=estimate_stock(units_sold=units_sold[code], months=months),
            units_sold=units_sold[code],
        )
    return products


def estimate_stock(*, units_sold: int, months: float) -> int:
    """About a month of sales at the rate seen in the file, in sixes, and never fewer than 12.

    Deterministic, so a re-import or another machine gets the same shop; a month's cover is
    what a gift wholesaler keeps, and the floor keeps slow sellers buyable in the demo.
    """
    monthly = units_sold / max(months, 1.0)
    return max(12, math.ceil(monthly / 6) * 6)


def _months_covered(rows: list[RetailRow]) -> float:
    if not rows:
        return 1.0
    first = min(row.invoiced_at for row in rows)
    last = max(row.invoiced_at for row in rows)
    return max((last - first).days / 30.4, 1.0)


def build_customers(*, rows: list[RetailRow]) -> dict[str, CustomerRecord]:
    """A customer per id on any readable row, first seen at their earliest invoice."""
    first_seen: dict[str, datetime] = {}
    for row in rows:
        if row.customer_id and (
            row.customer_id not in first_seen or row.invoiced_at < first_seen[row.customer_id]
        ):
            first_seen[row.customer_id] = row.invoiced_at
    return {
        customer_id: CustomerRecord(customer_id=customer_id, first_seen=seen)
        for customer_id, seen in first_seen.items()
    }
