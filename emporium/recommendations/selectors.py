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

import pandas as pd
from django.db import connection
from django.db.models import F, Max, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from emporium.cart.models import CartLine
from emporium.catalog.models import ProductImage
from emporium.catalog.selectors import ProductCard
from emporium.orders.models import OrderLine, OrderStatus
from emporium.recommendations.models import (
    CustomerListKind,
    CustomerRecommendation,
    Event,
    EventKind,
    PopularProduct,
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
    ids below zero, so they never merge with an order).
    """
    purchases = (
        OrderLine.objects.filter(_BOUGHT, order__placed_at__gte=since)
        .values_list("order__customer_id", "variant__product_id", "order_id", "order__placed_at")
        .order_by()
    )
    frame = _read_frame(purchases)
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


def _read_frame(queryset: QuerySet) -> pd.DataFrame:
    columns = ["customer", "product", "invoice", "at"]
    if connection.vendor != "postgresql":
        frame = pd.DataFrame.from_records(list(queryset), columns=columns)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame
    # Millions of rows: COPY them as CSV into pandas' parser instead of building a tuple per row,
    # with the time as epoch seconds (parsing text timestamps took longer than the query).
    sql, params = queryset.query.sql_with_params()
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.connection.cursor()
        query = raw.mogrify(sql, params)  # COPY takes no bind parameters
        # The query is Django's own, with its parameters quoted by psycopg: nothing from a user.
        copy_sql = f"COPY (SELECT q.c0, q.c1, q.c2, EXTRACT(EPOCH FROM q.c3)::bigint FROM ({query}) AS q(c0, c1, c2, c3)) TO STDOUT WITH (FORMAT csv)"  # noqa: S608  # nosec B608
        with raw.copy(copy_sql) as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame({name: pd.Series(dtype="int64") for name in columns}).assign(
            at=pd.Series(dtype="datetime64[s, UTC]")
        )
    frame = pd.read_csv(buffer, names=columns, dtype="int64", engine="c")
    frame["at"] = pd.to_datetime(frame["at"], unit="s", utc=True)
    return frame


# --- Serving -------------------------------------------------------------------------------------


def _product_cards(
    rows: Sequence[ProductNeighbour | CustomerRecommendation | PopularProduct], *, limit: int
) -> list[ProductCard]:
    return [ProductCard.from_product(row.product) for row in rows[:limit]]


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
    return (
        queryset.filter(
            version__is_active=True,
            **{f"{product_field}__is_published": True, f"{product_field}__is_in_stock": True},
        )
        .exclude(**{f"{product_field}_id__in": exclude_product_ids})
        .select_related(f"{product_field}__category")
        .prefetch_related(
            Prefetch(f"{product_field}__images", ProductImage.objects.order_by("position", "pk"))
        )
        .order_by("rank")
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
    return list_customer_lists(
        customer_id=customer_id, kinds=[kind], exclude_product_ids=exclude_product_ids, limit=limit
    )[kind]


def list_customer_lists(
    *,
    customer_id: int,
    kinds: Sequence[CustomerListKind],
    exclude_product_ids: ProductIds = (),
    limit: int = 8,
) -> dict[CustomerListKind, list[ProductCard]]:
    """Several of a customer's lists in one query (and one for images), not two per list.

    Every exclusion (unpublished, sold out, in the cart) is in the SQL, so the first ``limit``
    rows of each list by rank are the ones shown: a window function cuts each list there and
    only those rows become model instances.
    """
    position = Window(RowNumber(), partition_by=[F("kind")], order_by=[F("rank").asc()])
    rows = (
        _servable(
            CustomerRecommendation.objects.filter(
                customer_id=customer_id, kind__in=[str(kind) for kind in kinds]
            ),
            product_field="product",
            exclude_product_ids=exclude_product_ids,
        )
        .annotate(position=position)
        .filter(position__lte=limit)
        .order_by("kind", "rank")
    )
    lists: dict[CustomerListKind, list[ProductCard]] = {kind: [] for kind in kinds}
    for row in rows:
        lists[CustomerListKind(row.kind)].append(ProductCard.from_product(row.product))
    return lists


def list_popular_products(*, exclude_product_ids: ProductIds = (), limit: int = 8) -> list[ProductCard]:
    rows = _servable(
        PopularProduct.objects.all(), product_field="product", exclude_product_ids=exclude_product_ids
    )
    return _product_cards(list(rows[:limit]), limit=limit)
