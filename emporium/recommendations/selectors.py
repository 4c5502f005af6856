"""Reads for recommendations: the active model's lists, as the pages and the API serve them.

The training data (a frame of interactions, with pandas) is read by
emporium.recommendations.interactions, so the web process never loads pandas. Serving selectors read only the active :class:`ModelVersion`'s rows (joined, not looked up
first), and every one of them costs at most two queries: the ranked products with what a card
shows, then their images.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection, models

from emporium.cart.models import Cart, CartLine
from emporium.catalog.models import Category, Product, ProductImage, Variant
from emporium.catalog.selectors import ProductCard
from emporium.core.prepared import repeated_statement_cursor
from emporium.recommendations.models import (
    CustomerList,
    CustomerListKind,
    ModelVersion,
    NeighbourList,
)

# --- Serving -------------------------------------------------------------------------------------
#
# Serving is written in SQL, one statement per widget, built once per shape and reused. The ORM
# spelling of the same reads measured 5.5-8 ms for a product page's widget and 13-20 ms for a
# customer's home widgets on the 500,000-order shop, two thirds of it compiling the queryset
# and building model instances for cards that need nine columns (bench/recommendations.py). The
# statements are plain SQL that PostgreSQL and SQLite both run; table and column names come
# from the models, parameters are always bound.


@dataclass(frozen=True)
class CartProducts:
    """The products in a client's cart as a subquery: excluding them adds no query."""

    sql: str
    params: tuple[Any, ...]


ProductIds = Sequence[int] | CartProducts

_NOTHING = CartProducts("SELECT CAST(NULL AS BIGINT) WHERE 1 = 0", ())


def list_cart_product_ids(*, customer_id: int | None, cart_token: str | None) -> CartProducts:
    """The products in the client's cart, as a subquery: excluding them adds no query.

    The same rule as the cart's own ``find_cart_for_client``: a customer's cart, else the
    visitor cart whose token the session holds.
    """
    lines = f"""SELECT variant.{_c(Variant, "product")} FROM {_t(CartLine)} line
        JOIN {_t(Cart)} cart ON cart.{_c(Cart, "id")} = line.{_c(CartLine, "cart")}
        JOIN {_t(Variant)} variant ON variant.{_c(Variant, "id")} = line.{_c(CartLine, "variant")}"""  # noqa: S608  # nosec B608
    if customer_id is not None:
        return CartProducts(f"{lines} WHERE cart.{_c(Cart, 'customer')} = %s", (customer_id,))
    if cart_token:
        try:
            token = uuid.UUID(str(cart_token))
        except ValueError:
            return _NOTHING
        value = Cart._meta.get_field("token").get_db_prep_value(token, connection)
        return CartProducts(
            f"{lines} WHERE cart.{_c(Cart, 'token')} = %s AND cart.{_c(Cart, 'customer')} IS NULL", (value,)
        )
    return _NOTHING


def _t(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _c(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    assert field.column
    return connection.ops.quote_name(field.column)


def _excluded(product_ids: ProductIds) -> tuple[str, tuple[Any, ...]]:
    """What to leave out, as a ``SELECT`` of product ids and its parameters."""
    if isinstance(product_ids, CartProducts):
        return product_ids.sql, product_ids.params
    ids = tuple(int(pk) for pk in product_ids)
    if not ids:
        return _NOTHING.sql, ()
    return "VALUES " + ", ".join(["(%s)"] * len(ids)), ids


def _statement(*, select: str, ranked: str, order_by: str) -> str:
    """One serving statement: ``ranked`` rows (``product_id``, ``rank``) with their cards.

    The active version and the excluded products are common table expressions, planned once
    however many lists the statement reads; the columns after ``select`` are a card's, from
    product ``p``, its category ``c`` and its first image ``i`` (by position, then id), in the
    order :func:`_card_from_row` reads them.
    """
    return f"""WITH active(id) AS (SELECT {_c(ModelVersion, "id")} FROM {_t(ModelVersion)}
                                  WHERE {_c(ModelVersion, "is_active")}),
             excluded(product_id) AS ({{excluded}})
        SELECT {select}, {_card_columns()} FROM {ranked}
        JOIN {_t(Product)} p ON p.{_c(Product, "id")} = ranked.product_id
        JOIN {_t(Category)} c ON c.{_c(Category, "id")} = p.{_c(Product, "category")}
        LEFT JOIN {_t(ProductImage)} i ON i.{_c(ProductImage, "id")} = {_first_image()}
        ORDER BY {order_by}"""  # noqa: S608  # nosec B608


@cache
def _card_columns() -> str:
    return ", ".join(
        [f"p.{_c(Product, name)}" for name in _PRODUCT_FIELDS]
        + [f"c.{_c(Category, 'name')}"]
        + [f"i.{_c(ProductImage, name)}" for name in _IMAGE_FIELDS]
        # What promotions target: the same card as the catalog draws, sale price included.
        + [f"p.{_c(Product, 'category')}", f"p.{_c(Product, 'product_type')}"]
    )


@cache
def _first_image() -> str:
    return f"""(SELECT first.{_c(ProductImage, "id")} FROM {_t(ProductImage)} first
        WHERE first.{_c(ProductImage, "product")} = p.{_c(Product, "id")}
        ORDER BY first.{_c(ProductImage, "position")}, first.{_c(ProductImage, "id")} LIMIT 1)"""  # noqa: S608  # nosec B608


_PRODUCT_FIELDS = (
    "id",
    "name",
    "slug",
    "price_amount",
    "currency",
    "is_in_stock",
    "rating_average",
    "rating_count",
)
_IMAGE_FIELDS = ("id", "image", "alt_text", "width", "height", "thumbnails_ready")


@dataclass(frozen=True)
class _Unnested:
    """SQL for the entries of a list column of ``r``: the join that unnests it, and each entry's
    product id, 1-based rank, and (for a parallel ``scores`` column) score."""

    join: str
    product: str
    rank: str

    def score(self, column: str) -> str:
        if connection.vendor == "postgresql":
            return f"CAST(r.{column} ->> CAST(u.rank - 1 AS INTEGER) AS DOUBLE PRECISION)"
        return f"json_extract(r.{column}, '$[' || u.key || ']')"


def _unnested(model: type[models.Model], column: str) -> _Unnested:
    """Lists are JSON arrays: PostgreSQL unnests them with ``jsonb_array_elements_text``,
    SQLite with ``json_each``; both keep the order, which is the rank."""
    quoted = _c(model, column)
    if connection.vendor == "postgresql":
        return _Unnested(
            join=f"CROSS JOIN LATERAL jsonb_array_elements_text(r.{quoted}) WITH ORDINALITY AS u(product_id, rank)",
            product="CAST(u.product_id AS BIGINT)",
            rank="u.rank",
        )
    return _Unnested(join=f"JOIN json_each(r.{quoted}) u", product="u.value", rank="(u.key + 1)")


@cache
def _servable(model: type[models.Model], column: str) -> tuple[str, _Unnested]:
    """The rows of ``model`` (aliased ``r``) with their list ``column`` unnested, keeping every
    served entry: the active version's, a published, in-stock product, not an excluded one.
    Returns the ``FROM`` clause up to its ``WHERE`` conditions, and the entries' expressions."""
    entry = _unnested(model, column)
    return (
        f"""FROM {_t(model)} r
        JOIN active ON active.id = r.{_c(model, "version")}
        {entry.join}
        JOIN {_t(Product)} q ON q.{_c(Product, "id")} = {entry.product}
        WHERE q.{_c(Product, "is_published")} AND q.{_c(Product, "is_in_stock")}
          AND {entry.product} NOT IN (SELECT product_id FROM excluded)""",  # noqa: S608  # nosec B608
        entry,
    )


def _card_from_row(row: Sequence[Any]) -> ProductCard:
    pk, name, slug, price, currency, in_stock, rating, ratings, category = row[:9]
    image_id, image, alt_text, width, height, thumbnails_ready = row[9:15]
    category_id, product_type_id = row[15:17]
    first_image = (
        None
        if image_id is None
        else {
            "id": image_id,
            "image": image,
            "alt_text": alt_text,
            "width": width,
            "height": height,
            "thumbnails_ready": thumbnails_ready,
        }
    )
    return ProductCard.from_columns(
        pk,
        name,
        slug,
        None if price is None else _decimal(price, "price_amount"),
        currency,
        bool(in_stock),
        None if rating is None else _decimal(rating, "rating_average"),
        ratings,
        category_id,
        product_type_id,
        category,
        first_image,
    )


def _decimal(value: Any, field: str) -> Decimal:
    """A decimal column as the ORM reads it (SQLite hands back numbers, PostgreSQL Decimals)."""
    if isinstance(value, Decimal):
        return value
    places = Product._meta.get_field(field).decimal_places  # type: ignore[union-attr]
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _read_cards(sql: str, params: Sequence[Any]) -> list[tuple[Any, ProductCard]]:
    """(the row's first column, its card) for each row, in order. On PostgreSQL a prepared
    statement (emporium.core.postgresql): the lists' joins are planned once per connection."""
    with repeated_statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return [(row[0], _card_from_row(row[1:])) for row in cursor.fetchall()]


@cache
def _neighbours_sql(*, of_cart: bool) -> str:
    """The best-ranked servable neighbours of one product, or of the excluded (cart) products."""
    n = NeighbourList
    servable, entry = _servable(n, "neighbour_ids")
    owner = f"r.{_c(n, 'product')}"
    if of_cart:  # a neighbour of several cart products takes its best rank, once
        ranked = f"""(SELECT {entry.product} AS product_id, MIN({entry.rank}) AS rank
                     {servable} AND {owner} IN (SELECT product_id FROM excluded)
                     GROUP BY {entry.product}
                     ORDER BY MIN({entry.rank}), MAX({entry.score(_c(n, "scores"))}) DESC, {entry.product}
                     LIMIT %s) ranked"""  # noqa: S608  # nosec B608
    else:
        ranked = f"""(SELECT {entry.product} AS product_id, {entry.rank} AS rank
                     {servable} AND {owner} = %s AND {entry.product} <> {owner}
                     ORDER BY {entry.rank} LIMIT %s) ranked"""  # nosec B608
    return _statement(select="ranked.rank", ranked=ranked, order_by="ranked.rank")


def list_customers_also_bought(
    *, product_id: int, exclude_product_ids: ProductIds = (), limit: int = 8
) -> list[ProductCard]:
    """'Customers also bought' on a product page: the product's neighbours, best first. One query.

    An id beyond the database's integers (a URL made up) is no product's: none, and no query,
    which the driver would refuse with an error instead (SQLite's OverflowError)."""
    lowest, highest = connection.ops.integer_field_range(Product._meta.pk.get_internal_type())
    if not lowest <= product_id <= highest:
        return []
    excluded, excluded_params = _excluded(exclude_product_ids)
    sql = _neighbours_sql(of_cart=False).format(excluded=excluded)
    return [card for _, card in _read_cards(sql, (*excluded_params, product_id, limit))]


def list_complete_your_order(*, cart_product_ids: ProductIds, limit: int = 8) -> list[ProductCard]:
    """'Complete your order': neighbours of everything in the cart, never what is in it. One query.

    The best rank a product reaches from any cart product decides its place; a product
    several cart items point to appears once.
    """
    excluded, excluded_params = _excluded(cart_product_ids)
    sql = _neighbours_sql(of_cart=True).format(excluded=excluded)
    return [card for _, card in _read_cards(sql, (*excluded_params, limit))]


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


@cache
def _one_list_sql(*, everyone: bool) -> str:
    m = CustomerList
    servable, entry = _servable(m, "product_ids")
    owner = "IS NULL" if everyone else "= %s"
    return f"""SELECT * FROM (SELECT r.{_c(m, "kind")} AS kind, {entry.rank} AS rank, {entry.product} AS product_id
                              {servable}
                                AND r.{_c(m, "customer")} {owner} AND r.{_c(m, "kind")} = %s
                              ORDER BY {entry.rank} LIMIT %s) one_list"""  # noqa: S608  # nosec B608


def list_customer_lists(
    *,
    customer_id: int | None,
    kinds: Sequence[CustomerListKind],
    exclude_product_ids: ProductIds = (),
    limit: int = 8,
) -> dict[CustomerListKind, list[ProductCard]]:
    """Several lists in one query, not two per list.

    The customer's own lists and everyone's popular list (``CustomerListKind.POPULAR``, the
    rows without a customer) come from the same statement, so a page that falls back to
    popular products when the customer's lists are empty pays nothing more for it. Every
    exclusion (unpublished, sold out, in the cart) is in the SQL, and each list is its own
    ``ORDER BY rank LIMIT`` over one row's unnested list, found by the lookup index.
    """
    lists: dict[CustomerListKind, list[ProductCard]] = {kind: [] for kind in kinds}
    excluded, params = _excluded(exclude_product_ids)
    parts = []
    for kind in kinds:
        everyone = kind == CustomerListKind.POPULAR
        if not everyone and customer_id is None:
            continue
        parts.append(_one_list_sql(everyone=everyone))
        params += (*(() if everyone else (customer_id,)), str(kind), limit)
    if not parts:
        return lists
    ranked = "(" + " UNION ALL ".join(parts) + ") ranked"
    sql = _statement(select="ranked.kind", ranked=ranked, order_by="ranked.kind, ranked.rank")
    for kind, card in _read_cards(sql.format(excluded=excluded), params):
        lists[CustomerListKind(kind)].append(card)
    return lists


def list_popular_products(*, exclude_product_ids: ProductIds = (), limit: int = 8) -> list[ProductCard]:
    return list_customer_lists(
        customer_id=None,
        kinds=[CustomerListKind.POPULAR],
        exclude_product_ids=exclude_product_ids,
        limit=limit,
    )[CustomerListKind.POPULAR]
