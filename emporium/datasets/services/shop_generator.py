"""Grow the shop to benchmark size with data resampled from the real Online Retail file.

:mod:`emporium.datasets.generator` plans the rows (names, prices, baskets) without touching
the database; this module numbers them after whatever the shop already holds and writes them
in bulk (COPY on PostgreSQL). It only adds: SKUs ("GEN-0000001"), e-mail addresses
("shopper-0000001@generated.invalid") and order numbers ("GN-00000001") continue from the
highest ones already there, so runs can be repeated and never collide with each other or
with an import.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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
from emporium.datasets.demo import DEMO_DATA_PATH
from emporium.datasets.generator import ShopPlan, ShopProduct, plan_shop
from emporium.datasets.online_retail import CURRENCY, read_online_retail
from emporium.datasets.progress import ProgressFactory, silent_progress
from emporium.datasets.selectors import get_highest_value, map_product_labels_by_sku, map_variants_by_sku
from emporium.datasets.services.bulk_insert import (
    Constant,
    EpochSeconds,
    OptionalIds,
    Pence,
    allocate_ids,
    analyze_tables,
    foreign_key_checks_off,
    insert_frame,
    lock_referenced_rows,
)
from emporium.datasets.services.categories import ensure_categories
from emporium.orders.models import Order, OrderLine, OrderStatus
from emporium.orders.services import refresh_units_sold

SKU_PREFIX = "GEN-"
EMAIL_PREFIX = "shopper-"
EMAIL_DOMAIN = "generated.invalid"
CUSTOMER_REF_PREFIX = "generated:"
ORDER_NUMBER_PREFIX = "GN-"
PRODUCT_CHUNK = 10_000
CUSTOMER_CHUNK = 20_000
ORDER_CHUNK = 25_000  # about 400,000 lines per transaction with the full file's baskets


@dataclass
class GenerationReport:
    source: Path
    seed: int
    products_created: int = 0
    categories_created: int = 0
    customers_created: int = 0
    orders_created: int = 0
    order_lines_created: int = 0
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)


def generate_shop_data(
    *,
    products: int,
    customers: int,
    orders: int,
    seed: int = 0,
    source: Path = DEMO_DATA_PATH,
    progress: ProgressFactory = silent_progress,
) -> GenerationReport:
    """Add products, customers and orders resampled from the source file (see module docstring)."""
    started = time.perf_counter()
    report = GenerationReport(source=source, seed=seed)
    clock = _StageClock(report)

    dataset = read_online_retail(path=source)
    existing_variants = map_variants_by_sku(skus=list(dataset.products))
    existing = [
        ShopProduct(sku=sku, price_pence=int(found.price_amount * 100))
        for sku, found in sorted(existing_variants.items(), key=lambda item: item[1].variant_id)
    ]
    plan = plan_shop(
        source=dataset, existing=existing, products=products, customers=customers, orders=orders, seed=seed
    )
    clock.lap("plan")

    new_products = _write_products(plan=plan, progress=progress, report=report)
    clock.lap("products")
    customers_written = _write_customers(plan=plan, progress=progress, report=report)
    clock.lap("customers")
    existing_labels = map_product_labels_by_sku(skus=[product.sku for product in existing])
    shop_products = _WrittenProducts(
        variant_ids=np.concatenate(
            [
                np.array([existing_variants[product.sku].variant_id for product in existing], dtype=np.int64),
                new_products.variant_ids,
            ]
        ),
        names=np.array(
            [existing_labels[product.sku] for product in existing] + list(new_products.names), dtype=object
        ),
        skus=np.array([product.sku for product in existing] + list(new_products.skus), dtype=object),
    )
    _write_orders(
        plan=plan, products=shop_products, customers=customers_written, progress=progress, report=report
    )
    clock.lap("orders")

    # Fresh statistics first: planned on the stale ones, the refresh's per-product subquery
    # scans millions of lines sequentially for each product instead of using the indexes.
    analyze_tables(models=[User, Product, Variant, Order, OrderLine])
    refresh_product_summaries()
    refresh_units_sold()
    bump_catalog_version()
    clock.lap("refresh")
    report.seconds = time.perf_counter() - started
    return report


class _StageClock:
    def __init__(self, report: GenerationReport) -> None:
        self.report = report
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.report.stage_seconds[stage] = now - self.last
        self.last = now


def _chunks(total: int, size: int) -> Iterator[slice]:
    for start in range(0, total, size):
        yield slice(start, min(start + size, total))


def _next_number(
    *, model: type[Product] | type[Variant] | type[User] | type[Order], field: str, prefix: str
) -> int:
    highest = get_highest_value(model=model, field=field, prefix=prefix)
    if highest is None:
        return 1
    digits = "".join(character for character in highest[len(prefix) :] if character.isdigit())
    return int(digits or 0) + 1


@dataclass(frozen=True)
class _WrittenProducts:
    """The shop's products a plan's lines point at, by plan index: ids, names and SKUs."""

    variant_ids: npt.NDArray[np.int64]
    names: npt.NDArray[np.object_]
    skus: npt.NDArray[np.object_]


@dataclass(frozen=True)
class _WrittenCustomers:
    user_ids: npt.NDArray[np.int64]
    emails: npt.NDArray[np.object_]


def _write_products(
    *, plan: ShopPlan, progress: ProgressFactory, report: GenerationReport
) -> _WrittenProducts:
    """Write the planned products, each with its one variant, in chunks of one transaction each."""
    planned = plan.products
    count = len(planned.names)
    first = _next_number(model=Variant, field="sku", prefix=SKU_PREFIX) if count else 1
    skus = [f"{SKU_PREFIX}{number:07d}" for number in range(first, first + count)]
    variant_ids = np.empty(count, dtype=np.int64)
    written = _WrittenProducts(
        variant_ids=variant_ids,
        names=np.array(planned.names, dtype=object),
        skus=np.array(skus, dtype=object),
    )
    if count == 0:
        return written
    categories = ensure_categories(paths=set(planned.category_paths))
    report.categories_created = categories.created
    category_ids = np.array([categories.ids[path] for path in planned.category_paths], dtype=np.int64)
    bar = progress("Products", count)
    for part in _chunks(count, PRODUCT_CHUNK):
        size = part.stop - part.start
        names = planned.names[part]
        with transaction.atomic():
            product_ids = allocate_ids(model=Product, count=size)
            ids_of_variants = allocate_ids(model=Variant, count=size)
            now = Constant(timezone.now())
            insert_frame(
                model=Product,
                rows=size,
                frame={
                    "id": product_ids,
                    "created_at": now,
                    "updated_at": now,
                    "category_id": category_ids[part],
                    "name": names,
                    # The SKU makes the slug unique whatever the name (generated names can repeat).
                    "slug": [
                        f"{slugify(name)[:200]}-{slugify(sku)}"
                        for name, sku in zip(names, skus[part], strict=True)
                    ],
                    "description": Constant(""),
                    "attributes": [{"generated_from": sku} for sku in planned.template_skus[part]],
                    "is_published": Constant(True),
                    "seo_title": Constant(""),
                    "seo_description": Constant(""),
                    "price_amount": Pence(planned.price_pence[part]),
                    "currency": Constant(CURRENCY),
                    "is_in_stock": planned.stock[part] > 0,
                    "units_sold": Constant(0),
                },
            )
            insert_frame(
                model=Variant,
                rows=size,
                frame={
                    "id": ids_of_variants,
                    "created_at": now,
                    "updated_at": now,
                    "product_id": product_ids,
                    "sku": skus[part],
                    "name": Constant(""),
                    "price_amount": Pence(planned.price_pence[part]),
                    "currency": Constant(CURRENCY),
                    "compare_at_amount": Constant(None),
                    "stock_on_hand": planned.stock[part],
                    "stock_allocated": Constant(0),
                    "weight_grams": Constant(None),
                    "position": Constant(0),
                    "options": Constant({}),  # generated products have no type (catalog.attributes)
                },
            )
        variant_ids[part] = ids_of_variants
        report.products_created += size
        bar.update(size)
    bar.close()
    return written


def _write_customers(
    *, plan: ShopPlan, progress: ProgressFactory, report: GenerationReport
) -> _WrittenCustomers:
    planned = plan.customers
    count = len(planned.countries)
    first = _next_number(model=User, field="external_ref", prefix=CUSTOMER_REF_PREFIX) if count else 1
    numbers = [f"{number:07d}" for number in range(first, first + count)]
    written = _WrittenCustomers(
        user_ids=np.empty(count, dtype=np.int64),
        emails=np.array([f"{EMAIL_PREFIX}{number}@{EMAIL_DOMAIN}" for number in numbers], dtype=object),
    )
    # One unusable password for all: making 100,000 random ones costs more than it protects,
    # since none of them can ever match a password anyway.
    password = make_password(None)
    bar = progress("Customers", count)
    for part in _chunks(count, CUSTOMER_CHUNK):
        size = part.stop - part.start
        with transaction.atomic():
            ids = allocate_ids(model=User, count=size)
            insert_frame(
                model=User,
                rows=size,
                frame={
                    "id": ids,
                    "password": Constant(password),
                    "last_login": Constant(None),
                    "is_superuser": Constant(False),
                    "email": written.emails[part].tolist(),
                    "full_name": Constant(""),
                    "is_staff": Constant(False),
                    "is_active": Constant(True),
                    "date_joined": EpochSeconds(planned.joined_at[part]),
                    "external_ref": [f"{CUSTOMER_REF_PREFIX}{number}" for number in numbers[part]],
                },
            )
        written.user_ids[part] = ids
        report.customers_created += size
        bar.update(size)
    bar.close()
    return written


def _write_orders(
    *,
    plan: ShopPlan,
    products: _WrittenProducts,
    customers: _WrittenCustomers,
    progress: ProgressFactory,
    report: GenerationReport,
) -> None:
    """Write the planned orders with their lines, a chunk of orders per transaction."""
    planned = plan.orders
    count = len(planned.placed_at)
    if count == 0:
        return
    first = _next_number(model=Order, field="number", prefix=ORDER_NUMBER_PREFIX)
    line_bounds = np.searchsorted(planned.line_order, np.arange(count + 1))
    status = np.where(planned.is_cancellation, OrderStatus.CANCELLED.value, OrderStatus.DELIVERED.value)
    has_customer = planned.customer >= 0
    customer_user = np.full(count, -1, dtype=np.int64)
    customer_user[has_customer] = customers.user_ids[planned.customer[has_customer]]
    order_email = np.full(count, "", dtype=object)
    order_email[has_customer] = customers.emails[planned.customer[has_customer]]
    bar = progress("Orders", count)
    for part in _chunks(count, ORDER_CHUNK):
        size = part.stop - part.start
        lines = slice(int(line_bounds[part.start]), int(line_bounds[part.stop]))
        line_products = planned.line_product[lines]
        with transaction.atomic(), foreign_key_checks_off() as checks_are_off:
            order_ids = allocate_ids(model=Order, count=size)
            if checks_are_off:
                # The lines' orders are written in this transaction; lock what else they reference.
                lock_referenced_rows(model=User, ids=customer_user[part])
                lock_referenced_rows(model=Variant, ids=products.variant_ids[line_products])
            now = Constant(timezone.now())
            insert_frame(
                model=Order,
                rows=size,
                frame={
                    "id": order_ids,
                    "created_at": now,
                    "updated_at": now,
                    "number": [
                        f"{ORDER_NUMBER_PREFIX}{number:08d}"
                        for number in range(first + part.start, first + part.stop)
                    ],
                    "customer_id": OptionalIds(customer_user[part]),
                    "email": order_email[part].tolist(),
                    "status": status[part].tolist(),
                    "currency": Constant(CURRENCY),
                    "total_amount": Pence(planned.total_pence[part]),
                    "placed_at": EpochSeconds(planned.placed_at[part]),
                    "country": planned.country[part],
                    "external_ref": Constant(None),
                },
            )
            insert_frame(
                model=OrderLine,
                rows=lines.stop - lines.start,
                frame={
                    "order_id": order_ids[planned.line_order[lines] - part.start],
                    "variant_id": products.variant_ids[line_products],
                    "product_name": products.names[line_products].tolist(),
                    "sku": products.skus[line_products].tolist(),
                    "quantity": planned.line_quantity[lines],
                    "unit_price_amount": Pence(planned.line_price_pence[lines]),
                    "total_amount": Pence(planned.line_quantity[lines] * planned.line_price_pence[lines]),
                },
            )
        report.orders_created += size
        report.order_lines_created += lines.stop - lines.start
        bar.update(size)
    bar.close()
