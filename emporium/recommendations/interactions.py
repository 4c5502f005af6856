"""Training data for recommendations: who bought (or viewed, or carted) what, and when, as a frame.

Kept apart from the serving selectors (emporium.recommendations.selectors) because it needs
pandas and NumPy: the web process imports the serving side on every page and should not load
them (about 2 s of start-up and tens of MB per worker); training jobs and the evaluation load
this module when they run.
"""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet

from emporium.catalog.models import Variant
from emporium.orders.models import OrderLine, OrderStatus
from emporium.recommendations.models import Event, EventKind

# Orders that were bought and kept: an unpaid, cancelled or refunded order says little about taste.
_BOUGHT = Q(quantity__gt=0, order__customer__isnull=False, variant__isnull=False) & ~Q(
    order__status__in=[OrderStatus.UNPAID, OrderStatus.CANCELLED, OrderStatus.REFUNDED]
)


def get_latest_interaction_time() -> datetime | None:
    return OrderLine.objects.filter(_BOUGHT).aggregate(latest=Max("order__placed_at"))["latest"]


def read_interactions(*, since: datetime) -> pd.DataFrame:
    """Purchases since ``since`` as (customer, product, invoice, at), add-to-cart events appended.

    An add-to-cart by a signed-in customer counts as a one-product basket of its own (invoice
    ids below zero, so they never merge with an order). Lines are read with their variant id
    and mapped to products in NumPy: joining the variant table for millions of lines cost the
    database more than the whole read.
    """
    purchases = (
        OrderLine.objects.filter(_BOUGHT, order__placed_at__gte=since)
        .values_list("order__customer_id", "variant_id", "order_id", "order__placed_at")
        .order_by()
    )
    frame = _read_frame(purchases)
    frame["product"] = _product_of_variants(frame["product"].to_numpy(dtype=np.int64))
    events = (
        Event.objects.filter(kind=EventKind.ADD_TO_CART, customer__isnull=False, occurred_at__gte=since)
        .values_list("customer_id", "product_id", "pk", "occurred_at")
        .order_by()
    )
    event_frame = pd.DataFrame.from_records(list(events), columns=["customer", "product", "invoice", "at"])
    if not event_frame.empty:
        event_frame["invoice"] = -event_frame["invoice"]
        event_frame["at"] = pd.to_datetime(event_frame["at"], utc=True)
        frame = pd.concat([frame, event_frame], ignore_index=True)
    return frame


def _product_of_variants(variant_ids: np.ndarray) -> np.ndarray:
    if not len(variant_ids):
        return variant_ids
    pairs = np.array(list(Variant.objects.values_list("pk", "product_id").order_by()), dtype=np.int64)
    lookup = np.zeros(max(int(pairs[:, 0].max()), int(variant_ids.max())) + 1, dtype=np.int64)
    lookup[pairs[:, 0]] = pairs[:, 1]
    return lookup[variant_ids]


_COLUMNS = ["customer", "product", "invoice", "at"]
# PostgreSQL's binary COPY: a 19-byte header, then per row a field count and, per field, its
# length and big-endian value (three bigints and a timestamptz, microseconds since 2000-01-01).
_COPY_HEADER_BYTES = 19
_COPY_ROW = np.dtype(
    [("fields", ">i2")] + [item for name in _COLUMNS for item in ((f"{name}_length", ">i4"), (name, ">i8"))]
)
_POSTGRES_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")


def _read_frame(queryset: QuerySet) -> pd.DataFrame:
    if connection.vendor != "postgresql":
        frame = pd.DataFrame.from_records(list(queryset), columns=_COLUMNS)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame
    # Millions of rows: COPY them in PostgreSQL's binary format straight into a NumPy record
    # array instead of building a tuple (or parsing a CSV line) per row.
    sql, params = queryset.query.sql_with_params()
    buffer = io.BytesIO()  # read in place by NumPy below: no joined copy of the blocks
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.connection.cursor()
        raw.execute("SET LOCAL work_mem = '64MB'")  # the join hashes in memory, not on disk
        query = raw.mogrify(sql, params)  # COPY takes no bind parameters
        # The query is Django's own, with its parameters quoted by psycopg: nothing from a user.
        copy_sql = f"COPY (SELECT q.c0::bigint, q.c1::bigint, q.c2::bigint, q.c3::timestamptz FROM ({query}) AS q(c0, c1, c2, c3)) TO STDOUT WITH (FORMAT binary)"  # noqa: S608  # nosec B608
        with raw.copy(copy_sql) as copy:
            for block in copy:
                buffer.write(block)
    data = buffer.getbuffer()
    rows = np.frombuffer(data, dtype=_COPY_ROW, offset=_COPY_HEADER_BYTES, count=_row_count(len(data)))
    frame = pd.DataFrame({name: rows[name].astype(np.int64) for name in _COLUMNS[:3]})
    frame["at"] = pd.to_datetime(_POSTGRES_EPOCH + rows["at"].astype("timedelta64[us]"), utc=True)
    return frame


def _row_count(size: int) -> int:
    body = size - _COPY_HEADER_BYTES - 2  # the trailer is a field count of -1
    count, rest = divmod(max(body, 0), _COPY_ROW.itemsize)
    if rest:
        raise ValueError("COPY returned rows of an unexpected shape")
    return count
