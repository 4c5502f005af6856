"""The demo shop's data: a small, real subset of the Online Retail file, chosen reproducibly.

The subset is made once by ``manage.py make_demo_subset`` and committed, so a new machine
gets a shop without the 4 MB source. How it is chosen (also in ``demo/README.md``):

1. **Products.** The requested number of products is shared out between the taxonomy's
   categories in proportion to their size in the full file (largest remainder, at least one
   each), and each category takes its products that appear on the most invoices (ties by
   SKU). The demo shop then has every department, stocked with recognisable bestsellers.
2. **Rows.** Every row of those products is a candidate, together with the charges and
   bookkeeping rows (postage, manual adjustments ...) of the invoices they are on, so the
   demo keeps the real data's mess and exercises the importer's rules.
3. **Customers.** To stay small, whole customers are kept or dropped, never single orders:
   a customer is kept when a hash of their id falls under the fraction that fits the row
   budget (guest invoices by a hash of the invoice number). Kept customers keep their whole
   history with these products, cancellations included, which recommendations need.

Rows are copied unchanged, in file order. The gzip header carries no timestamp, so the same
source always gives the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from emporium.datasets.online_retail import (
    RetailDataset,
    RetailRow,
    StockCodeKind,
    build_dataset,
    classify_stock_code,
    is_charge_description,
    locate_columns,
    normalise_stock_code,
    parse_customer_id,
    parse_rows,
    read_text,
)

DEMO_DATA_PATH = Path(__file__).resolve().parent / "demo" / "online-retail-demo.csv.gz"
DEFAULT_PRODUCT_COUNT = 300
DEFAULT_MAX_ROWS = 75_000


@dataclass(frozen=True)
class DemoSubset:
    products: int
    rows: int
    invoices: int
    customers: int
    fraction_of_customers: float


def choose_demo_products(*, dataset: RetailDataset, count: int) -> list[str]:
    """SKUs of the demo's products: categories in proportion, most-invoiced first (see module)."""
    invoices_per_sku: Counter[str] = Counter()
    for invoice in dataset.invoices:
        invoices_per_sku.update({line.sku for line in invoice.lines if line.is_product})
    by_category: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for product in dataset.products.values():
        if invoices_per_sku[product.sku]:
            by_category[product.category_path].append(product.sku)
    if not by_category:
        return []
    total = sum(len(skus) for skus in by_category.values())
    count = min(count, total)
    exact = {path: count * len(skus) / total for path, skus in by_category.items()}
    shares = {path: max(1, int(value)) for path, value in exact.items()}
    by_remainder = sorted(exact, key=lambda path: (-(exact[path] - int(exact[path])), path))
    for path in by_remainder:
        if sum(shares.values()) >= count:
            break
        shares[path] += 1
    chosen: list[str] = []
    for path in sorted(by_category):
        ranked = sorted(by_category[path], key=lambda sku: (-invoices_per_sku[sku], sku))
        chosen.extend(ranked[: min(shares[path], len(ranked))])
    return chosen


def _stable_fraction(key: str) -> float:
    """A number in [0, 1) fixed by the key alone: the same on every machine and Python run."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def make_demo_subset(
    *, source: Path, out: Path, product_count: int = DEFAULT_PRODUCT_COUNT, max_rows: int = DEFAULT_MAX_ROWS
) -> DemoSubset:
    """Write the demo subset of source to out (gzip CSV, the source's own columns and rows)."""
    text = read_text(source)
    parsed, date_order = parse_rows(text)
    dataset = build_dataset(rows=parsed, date_order=date_order)
    chosen = set(choose_demo_products(dataset=dataset, count=product_count))

    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    column = locate_columns(header)
    records = [record for record in reader if len(record) >= len(header)]

    # Invoices with a chosen product; on them, keep the chosen products, charges and bookkeeping.
    def is_kept_code(record: list[str]) -> bool:
        code = normalise_stock_code(record[column["stock_code"]])
        if code in chosen:
            return True
        return classify_stock_code(code) != StockCodeKind.PRODUCT or is_charge_description(
            record[column["description"]]
        )

    chosen_invoices = {
        record[column["invoice"]]
        for record in records
        if normalise_stock_code(record[column["stock_code"]]) in chosen
    }
    candidates = [
        record for record in records if record[column["invoice"]] in chosen_invoices and is_kept_code(record)
    ]
    fraction = min(1.0, max_rows / max(len(candidates), 1))
    kept = [record for record in candidates if _stable_fraction(_owner_key(record, column)) < fraction]

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(kept)
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(buffer.getvalue().encode("utf-8"))

    kept_rows = [
        row for row in parse_rows(buffer.getvalue(), date_order=date_order)[0] if isinstance(row, RetailRow)
    ]
    return DemoSubset(
        products=len({row.stock_code for row in kept_rows if row.stock_code in chosen}),
        rows=len(kept),
        invoices=len({row.invoice for row in kept_rows}),
        customers=len({row.customer_id for row in kept_rows if row.customer_id}),
        fraction_of_customers=fraction,
    )


def _owner_key(record: list[str], column: dict[str, int]) -> str:
    """Whose row this is: the customer, or for a guest invoice the invoice itself."""
    try:
        customer_id = parse_customer_id(record[column["customer_id"]])
    except ValueError:
        customer_id = None
    return f"customer:{customer_id}" if customer_id else f"invoice:{record[column['invoice']]}"
