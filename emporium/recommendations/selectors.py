"""Reads for recommendations: interactions for training, and the active model's lists for serving.

Serving selectors read only the active :class:`ModelVersion`'s rows (joined, not looked up
first), and every one of them costs at most two queries: the ranked products with what a card
shows, then their images.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import F, Max, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from emporium.cart.models import CartLine
from emporium.catalog.models import ProductImage, Variant
from emporium.catalog.selectors import ProductCard
from emporium.orders.models import OrderLine, OrderStatus
from emporium.recommendations.models import (
    CustomerListKind,
    CustomerRecommendation,
    Event,
    EventKind,
    ProductNeighbour,
)

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


# --- Serving -------------------------------------------------------------------------------------


ProductIds = Sequence[int] | QuerySet  # a subquery costs no query of its own


def list_cart_product_ids(*, customer_id: int | None, cart_token: str | None) -> QuerySet:
    """The products in the client's cart, as a subquery: excluding them adds no query.

    The same rule as the cart's own ``find_cart_for_client``: a customer's cart, else the
    visitor cart whose token the session holds.
    """
    if customer_id is not None:
        lines = CartLine.objects.filter(cart__customer_id=customer_id)
    elif cart_token:
        try:
            lines = CartLine.objects.filter(cart__token=uuid.UUID(str(cart_token)), cart__customer=None)
        except ValueError:
            lines = CartLine.objects.none()
    else:
        lines = CartLine.objects.none()
    return lines.values("variant__product_id")


def _servable(queryset: QuerySet, *, product_field: str, exclude_product_ids: ProductIds) -> QuerySet:
    """Only published, in-stock products not in the cart; with a card's category and images."""
    return _with_cards(
        _only_servable(queryset, product_field=product_field, exclude_product_ids=exclude_product_ids),
        product_field=product_field,
    ).order_by("rank")


def _only_servable(queryset: QuerySet, *, product_field: str, exclude_product_ids: ProductIds) -> QuerySet:
    return queryset.filter(
        version__is_active=True,
        **{f"{product_field}__is_published": True, f"{product_field}__is_in_stock": True},
    ).exclude(**{f"{product_field}_id__in": exclude_product_ids})


def _with_cards(queryset: QuerySet, *, product_field: str) -> QuerySet:
    return queryset.select_related(f"{product_field}__category").prefetch_related(
        Prefetch(f"{product_field}__images", ProductImage.objects.order_by("position", "pk"))
    )


def list_customers_also_bought(
    *, product_id: int, exclude_product_ids: ProductIds = (), limit: int = 8
) -> list[ProductCard]:
    """'Customers also bought' on a product page: the product's neighbours, best first."""
    rows = _servable(
        ProductNeighbour.objects.filter(product_id=product_id).exclude(neighbour_id=product_id),
        product_field="neighbour",
        exclude_product_ids=exclude_product_ids,
    )
    return [ProductCard.from_product(row.neighbour) for row in rows[:limit]]


def list_complete_your_order(*, cart_product_ids: ProductIds, limit: int = 8) -> list[ProductCard]:
    """'Complete your order': neighbours of everything in the cart, never what is in it.

    The best rank a product reaches from any cart product decides its place; a product
    several cart items point to appears once.
    """
    rows = list(
        _servable(
            ProductNeighbour.objects.filter(product_id__in=cart_product_ids),
            product_field="neighbour",
            exclude_product_ids=cart_product_ids,
        ).order_by("rank", "-score", "neighbour_id")[: limit * 4]
    )
    seen: set[int] = set()
    cards = []
    for row in rows:
        if row.neighbour_id not in seen:
            seen.add(row.neighbour_id)
            cards.append(ProductCard.from_product(row.neighbour))
    return cards[:limit]


def list_recommendations_for_customer(
    *, customer_id: int, kind: CustomerListKind, exclude_product_ids: ProductIds = (), limit: int = 8
) -> list[ProductCard]:
    """One of the customer's lists; popular products when the model has nothing for them."""
    lists = list_customer_lists(
        customer_id=customer_id,
        kinds=[kind, CustomerListKind.POPULAR],
        exclude_product_ids=exclude_product_ids,
        limit=limit,
    )
    return lists[kind] or lists[CustomerListKind.POPULAR]


def list_customer_lists(
    *,
    customer_id: int | None,
    kinds: Sequence[CustomerListKind],
    exclude_product_ids: ProductIds = (),
    limit: int = 8,
) -> dict[CustomerListKind, list[ProductCard]]:
    """Several lists in one query (and one for images), not two per list.

    The customer's own lists and everyone's popular list (``CustomerListKind.POPULAR``, the
    rows without a customer) come from the same query, so a page that falls back to popular
    products when the customer's lists are empty pays nothing more for it. Every exclusion
    (unpublished, sold out, in the cart) is in the SQL, so the first ``limit`` rows of each
    list by rank are the ones shown: a window function cuts each list there and only those
    rows become model instances.
    """
    personal = [str(kind) for kind in kinds if kind != CustomerListKind.POPULAR]
    wanted = Q(customer_id=customer_id, kind__in=personal) if personal and customer_id is not None else Q()
    if CustomerListKind.POPULAR in kinds:
        everyone = Q(customer__isnull=True, kind=CustomerListKind.POPULAR)
        wanted = wanted | everyone if wanted else everyone
    lists: dict[CustomerListKind, list[ProductCard]] = {kind: [] for kind in kinds}
    if not wanted:
        return lists
    # Ranked and cut in a subquery: only the rows shown are joined to their products' categories
    # (popular's 200 ranks would otherwise each be, for the four a widget shows).
    position = Window(RowNumber(), partition_by=[F("kind")], order_by=[F("rank").asc()])
    shown = (
        _only_servable(
            CustomerRecommendation.objects.filter(wanted),
            product_field="product",
            exclude_product_ids=exclude_product_ids,
        )
        .annotate(position=position)
        .filter(position__lte=limit)
        .values("pk")
    )
    rows = _with_cards(CustomerRecommendation.objects.filter(pk__in=shown), product_field="product").order_by(
        "kind", "rank"
    )
    for row in rows:
        lists[CustomerListKind(row.kind)].append(ProductCard.from_product(row.product))
    return lists


def list_popular_products(*, exclude_product_ids: ProductIds = (), limit: int = 8) -> list[ProductCard]:
    return list_customer_lists(
        customer_id=None,
        kinds=[CustomerListKind.POPULAR],
        exclude_product_ids=exclude_product_ids,
        limit=limit,
    )[CustomerListKind.POPULAR]
