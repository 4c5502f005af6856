"""Writes an Online Retail file into the shop: categories, products, customers and orders.

Idempotent: everything the import makes carries a key from the data (the SKU, and
``external_ref`` "online-retail:<id>" on customers and orders), looked up in bulk before each
stage, so a second run of the same file creates nothing and changes nothing, and a run
that was interrupted picks up where it stopped. Rows already in the shop are never
overwritten: after the import the shop owns its prices, stock and names.

Each batch is one transaction: an order is never written without its lines, and a failure
loses one batch, not the run.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from emporium.accounts.models import User
from emporium.catalog.cache import bump_catalog_version
from emporium.catalog.models import Product, Variant
from emporium.catalog.services import refresh_product_summaries
from emporium.core.money import quantize
from emporium.datasets.online_retail import (
    CURRENCY,
    CustomerRecord,
    DateOrder,
    InvoiceRecord,
    LineRecord,
    ProductRecord,
    RetailDataset,
    SkipReason,
    read_online_retail,
)
from emporium.datasets.progress import ProgressFactory, silent_progress
from emporium.datasets.selectors import (
    ExistingVariant,
    list_existing_orders,
    list_taken_slugs,
    map_users_by_external_ref,
    map_variants_by_sku,
)
from emporium.datasets.services.bulk_insert import (
    Constant,
    Frame,
    allocate_ids,
    analyze_tables,
    foreign_key_checks_off,
    insert_frame,
    lock_referenced_rows,
)
from emporium.datasets.services.categories import ensure_categories
from emporium.orders.models import Order, OrderLine, OrderStatus
from emporium.orders.services import refresh_units_sold

DEFAULT_BATCH_SIZE = 1000
T = TypeVar("T")


@dataclass
class ImportReport:
    path: Path
    date_order: DateOrder
    rows_read: int
    rows_imported: int = 0  # order lines written by this run
    rows_already_imported: int = 0  # lines of invoices an earlier run imported
    charge_lines_imported: int = 0  # of rows_imported: postage and carriage, lines without a product
    skipped: Counter[SkipReason] = field(default_factory=Counter)
    skipped_codes: Counter[str] = field(default_factory=Counter)
    categories_created: int = 0
    products_created: int = 0
    customers_created: int = 0
    orders_created: int = 0
    cancellations_created: int = 0
    guest_orders_created: int = 0
    seconds: float = 0.0

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def created_anything(self) -> bool:
        return any(
            (self.categories_created, self.products_created, self.customers_created, self.orders_created)
        )


def import_online_retail(
    *,
    path: Path,
    batch_size: int = DEFAULT_BATCH_SIZE,
    date_order: DateOrder | None = None,
    progress: ProgressFactory = silent_progress,
) -> ImportReport:
    """Import the file at path (plain or gzip CSV, either dataset layout) and report on it."""
    started = time.perf_counter()
    dataset = read_online_retail(path=path, date_order=date_order)
    report = ImportReport(
        path=path,
        date_order=dataset.date_order,
        rows_read=dataset.rows_read,
        skipped=Counter(dataset.skipped),
        skipped_codes=Counter(dataset.skipped_codes),
    )
    variants = _write_products(dataset=dataset, batch_size=batch_size, progress=progress, report=report)
    customers = _write_customers(dataset=dataset, batch_size=batch_size, progress=progress, report=report)
    _write_orders(
        dataset=dataset,
        variants=variants,
        customers=customers,
        batch_size=batch_size,
        progress=progress,
        report=report,
    )
    # bulk_create skips the signals that keep these true, so refresh the whole catalog once,
    # on fresh statistics (see analyze_tables).
    if report.created_anything:
        analyze_tables(models=[User, Product, Variant, Order, OrderLine])
    refresh_product_summaries()
    refresh_units_sold()
    if report.created_anything:
        bump_catalog_version()
    report.seconds = time.perf_counter() - started
    return report


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), max(size, 1)):
        yield items[start : start + size]


def _write_products(
    *, dataset: RetailDataset, batch_size: int, progress: ProgressFactory, report: ImportReport
) -> dict[str, ExistingVariant]:
    """Create the products not yet in the shop; return the variant of every product, by SKU."""
    records = list(dataset.products.values())
    variants = map_variants_by_sku(skus=[record.sku for record in records])
    new_records = [record for record in records if record.sku not in variants]
    if not new_records:
        return variants
    categories = ensure_categories(paths=[record.category_path for record in new_records])
    report.categories_created = categories.created
    slugs = assign_product_slugs(records=new_records)
    bar = progress("Products", len(new_records))
    for batch in _batches(new_records, batch_size):
        with transaction.atomic():
            products = Product.objects.bulk_create(
                [
                    Product(
                        category_id=categories.ids[record.category_path],
                        name=record.name,
                        slug=slugs[record.sku],
                        attributes={"stock_code": record.sku},
                        currency=CURRENCY,
                        price_amount=record.price,
                        is_in_stock=record.stock_on_hand > 0,
                    )
                    for record in batch
                ],
                batch_size=batch_size,
            )
            created = Variant.objects.bulk_create(
                [
                    Variant(
                        product_id=product.pk,
                        sku=record.sku,
                        price_amount=record.price,
                        currency=CURRENCY,
                        stock_on_hand=record.stock_on_hand,
                    )
                    for product, record in zip(products, batch, strict=True)
                ],
                batch_size=batch_size,
            )
        variants.update(
            {
                variant.sku: ExistingVariant(variant.pk, variant.product_id, variant.price_amount)
                for variant in created
            }
        )
        report.products_created += len(created)
        bar.update(len(batch))
    bar.close()
    return variants


def assign_product_slugs(*, records: Sequence[ProductRecord]) -> dict[str, str]:
    """A unique slug per new product: its name, or name and SKU when the name is taken.

    Several stock codes share a description ("Edwardian Parasol Black" and its lower-case
    twin were one product, but not all are), so the first in file order gets the plain slug
    and the others add their SKU, which is unique; the result does not depend on timing.
    """
    bases = {record.sku: slugify(record.name)[:200] or "product" for record in records}
    alternates = {sku: f"{base}-{slugify(sku)}" for sku, base in bases.items()}
    taken = list_taken_slugs(slugs=sorted(set(bases.values()) | set(alternates.values())))
    chosen: dict[str, str] = {}
    for record in records:
        candidate = bases[record.sku]
        if candidate in taken:
            candidate = alternates[record.sku]
        suffix = 2
        while candidate in taken or (suffix > 2 and Product.objects.filter(slug=candidate).exists()):
            candidate = f"{alternates[record.sku]}-{suffix}"
            suffix += 1
        taken.add(candidate)
        chosen[record.sku] = candidate
    return chosen


def _write_customers(
    *, dataset: RetailDataset, batch_size: int, progress: ProgressFactory, report: ImportReport
) -> dict[str, tuple[int, str]]:
    """Create the customers not yet in the shop; return customer id -> (user id, e-mail)."""
    records = list(dataset.customers.values())
    by_ref, by_email = map_users_by_external_ref(
        external_refs=[record.external_ref for record in records], emails=[record.email for record in records]
    )
    customers: dict[str, tuple[int, str]] = {}
    new_records: list[CustomerRecord] = []
    for record in records:
        user_id = by_ref.get(record.external_ref) or by_email.get(record.email.lower())
        if user_id is None:
            new_records.append(record)
        else:
            customers[record.customer_id] = (user_id, record.email)
    bar = progress("Customers", len(new_records))
    for batch in _batches(new_records, batch_size):
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        email=record.email,
                        external_ref=record.external_ref,
                        # What set_unusable_password() stores: no password can ever match it.
                        password=make_password(None),
                        date_joined=record.first_seen,
                    )
                    for record in batch
                ],
                batch_size=batch_size,
            )
        for user, record in zip(users, batch, strict=True):
            customers[record.customer_id] = (user.pk, record.email)
        report.customers_created += len(users)
        bar.update(len(batch))
    bar.close()
    return customers


def _write_orders(
    *,
    dataset: RetailDataset,
    variants: dict[str, ExistingVariant],
    customers: dict[str, tuple[int, str]],
    batch_size: int,
    progress: ProgressFactory,
    report: ImportReport,
) -> None:
    invoices = dataset.invoices
    existing_refs, taken_numbers = list_existing_orders(
        external_refs=[invoice.external_ref for invoice in invoices],
        numbers=[invoice.number for invoice in invoices],
    )
    pending: list[InvoiceRecord] = []
    for invoice in invoices:
        if invoice.external_ref in existing_refs:
            report.rows_already_imported += len(invoice.lines)
        elif invoice.number in taken_numbers:
            report.skipped[SkipReason.ORDER_NUMBER_TAKEN] += len(invoice.lines)
        else:
            pending.append(invoice)
    bar = progress("Orders", len(pending))
    for batch in _batches(pending, batch_size):
        buyers = [customers.get(invoice.customer_id or "", (None, "")) for invoice in batch]
        lines = [(position, line) for position, invoice in enumerate(batch) for line in invoice.lines]
        line_variants = [
            variants[line.sku].variant_id if line.is_product and line.sku in variants else None
            for _, line in lines
        ]
        with transaction.atomic(), foreign_key_checks_off() as checks_are_off:
            order_ids = allocate_ids(model=Order, count=len(batch))
            if checks_are_off:
                # The lines' orders are written here; lock what else the rows reference, once.
                lock_referenced_rows(model=User, ids=_ids_or_minus_one([user_id for user_id, _ in buyers]))
                lock_referenced_rows(model=Variant, ids=_ids_or_minus_one(line_variants))
            insert_frame(model=Order, rows=len(batch), frame=_order_frame(batch, order_ids, buyers))
            insert_frame(
                model=OrderLine,
                rows=len(lines),
                frame=_line_frame(lines, order_ids.tolist(), line_variants),
            )
        report.orders_created += len(batch)
        report.cancellations_created += sum(1 for invoice in batch if invoice.is_cancellation)
        report.guest_orders_created += sum(1 for invoice in batch if invoice.customer_id is None)
        report.rows_imported += len(lines)
        report.charge_lines_imported += line_variants.count(None)
        bar.update(len(batch))
    bar.close()


def _ids_or_minus_one(ids: Sequence[int | None]) -> npt.NDArray[np.int64]:
    return np.array([-1 if value is None else value for value in ids], dtype=np.int64)


def _order_frame(
    batch: Sequence[InvoiceRecord], order_ids: npt.NDArray[np.int64], buyers: Sequence[tuple[int | None, str]]
) -> Frame:
    """The batch's orders, column by column, with the values an ``Order(...)`` would hold."""
    now = timezone.now()
    return {
        "id": order_ids,
        "created_at": Constant(now),
        "updated_at": Constant(now),
        "number": [invoice.number for invoice in batch],
        "external_ref": [invoice.external_ref for invoice in batch],
        "customer_id": [user_id for user_id, _ in buyers],
        "email": [email for _, email in buyers],
        # A cancellation is a credit note of its own: cancelled, with its negative lines,
        # so refresh_units_sold (which ignores cancelled orders) counts the goods sold once.
        "status": [
            OrderStatus.CANCELLED.value if invoice.is_cancellation else OrderStatus.DELIVERED.value
            for invoice in batch
        ],
        "currency": Constant(CURRENCY),
        "total_amount": [
            quantize(invoice.total, CURRENCY) if invoice.lines else Decimal(0) for invoice in batch
        ],
        "placed_at": [invoice.placed_at for invoice in batch],
        "country": [invoice.country[:64] for invoice in batch],
        "applied_promotions": Constant([]),
    }


def _line_frame(
    lines: Sequence[tuple[int, LineRecord]], order_ids: Sequence[int], variant_ids: Sequence[int | None]
) -> Frame:
    """The batch's order lines, each with its invoice's position in the batch; postage and
    other charges have no variant (None)."""
    return {
        "order_id": [order_ids[position] for position, _ in lines],
        "variant_id": variant_ids,
        "product_name": [line.product_name[:255] for _, line in lines],
        "sku": [line.sku[:64] for _, line in lines],
        "quantity": [line.quantity for _, line in lines],
        "unit_price_amount": [line.unit_price for _, line in lines],
        "total_amount": [quantize(line.total, CURRENCY) for _, line in lines],
    }
