"""Prepared queries (emporium.core.prepared) answer what the ORM answers, compiling once."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from emporium.cart.models import Cart, CartLine
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.models import Product
from emporium.catalog.selectors import find_purchasable_variant, get_published_product
from emporium.catalog.tests.factories import ProductFactory, ProductImageFactory, VariantFactory
from emporium.checkout.idempotency import keys_of_client_key, scope_idempotency_key
from emporium.core.prepared import Bind, PreparedQuery, bound_slice
from emporium.core.tests.compiles import counting_compiles
from emporium.orders.placing import find_order_by_idempotency_key
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def fields_of(instance: object) -> dict[str, object]:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_a_row_is_the_instance_the_orm_reads_uuid_and_null_included() -> None:
    cart = CartFactory.create()
    CartFactory.create()  # another visitor's
    by_token = PreparedQuery(
        lambda: Cart.objects.filter(token=Bind("token", Cart._meta.get_field("token")), customer=None)
    )

    found = by_token.first(token=cart.token)

    expected = Cart.objects.get(token=cart.token, customer=None)
    assert found is not None
    assert fields_of(found) == fields_of(expected)
    assert found._state.adding is False  # saves as an update
    assert found._state.db == "default"
    assert by_token.first(token=uuid.uuid4()) is None
    assert by_token.all(token=uuid.uuid4()) == []


def test_related_rows_come_in_the_same_query_as_select_related_reads_them() -> None:
    cart = CartFactory.create()
    first = CartLineFactory.create(cart=cart, quantity=2)
    second = CartLineFactory.create(cart=cart, variant__product__name="Lantern")
    CartLineFactory.create()  # another cart's line
    lines = PreparedQuery(
        lambda: (
            CartLine.objects.filter(cart_id=Bind("cart", Cart._meta.pk))
            .select_related("variant__product")
            .order_by("pk")
        )
    )
    lines.all(cart=cart.pk)  # compiled here

    with CaptureQueriesContext(connection) as queries:
        found = lines.all(cart=cart.pk)
        names = [line.variant.product.name for line in found]

    assert len(queries.captured_queries) == 1
    assert [line.pk for line in found] == [first.pk, second.pk]
    assert [line.quantity for line in found] == [2, 1]
    assert names == [first.variant.product.name, "Lantern"]
    assert fields_of(found[1].variant) == fields_of(
        second.variant.__class__.objects.get(pk=second.variant.pk)
    )


def test_rows_are_the_named_columns_the_orm_reads_related_and_annotations_included() -> None:
    cart = CartFactory.create()
    line = CartLineFactory.create(cart=cart, quantity=3, variant__product__name="Lantern")
    CartLineFactory.create()  # another cart's line
    lines = PreparedQuery(
        lambda: (
            CartLine.objects.filter(cart_id=Bind("cart", Cart._meta.pk))
            .select_related("variant__product")
            .annotate(twice=F("quantity") * 2)
            .order_by("pk")
        )
    )
    names = ("id", "quantity", "variant_id", "variant.price_amount", "variant.product.name", "twice")

    rows = lines.rows(names, cart=cart.pk)

    variant = line.variant.__class__.objects.get(pk=line.variant_id)
    # Converted as the ORM converts them: a Decimal even where SQLite stores a number.
    assert rows == [(line.pk, 3, variant.pk, variant.price_amount, "Lantern", 6)]
    assert isinstance(rows[0][3], Decimal)
    assert lines.rows(("quantity",), cart=cart.pk) == [(3,)]
    assert lines.rows(("id",), cart=-1) == []
    with pytest.raises(KeyError, match=r"no variant\.product\.colour"):
        lines.rows(("id", "variant.product.colour"), cart=cart.pk)


def test_sql_is_compiled_once_per_connection_then_only_run() -> None:
    carts = [CartFactory.create() for _ in range(3)]
    by_token = PreparedQuery(
        lambda: Cart.objects.filter(token=Bind("token", Cart._meta.get_field("token")), customer=None)
    )

    with counting_compiles() as compiled:
        found = [by_token.first(token=cart.token) for cart in carts]

    assert compiled == [Cart]
    assert [cart.pk for cart in found if cart] == [cart.pk for cart in carts]


def test_a_range_takes_two_values() -> None:
    """What the order of an idempotency key is found by (emporium.orders.placing)."""
    client_key = uuid.uuid4()
    order = OrderFactory.create(
        idempotency_key=scope_idempotency_key(client_key=client_key, cart_id=7, customer_id=None)
    )
    OrderFactory.create(
        idempotency_key=scope_idempotency_key(client_key=uuid.uuid4(), cart_id=7, customer_id=None)
    )

    low, high = keys_of_client_key(client_key=client_key)
    found = find_order_by_idempotency_key(low=low, high=high)

    assert found is not None
    assert found.pk == order.pk
    other_low, other_high = keys_of_client_key(client_key=uuid.uuid4())
    assert find_order_by_idempotency_key(low=other_low, high=other_high) is None


def test_values_are_made_ready_as_the_orm_makes_them() -> None:
    """A whole number as text is the same id; text that is no number is refused as the ORM
    refuses it; a number beyond any id matches nothing and is never sent (SQLite cannot take it)."""
    variant = VariantFactory.create(product__is_published=True)

    assert find_purchasable_variant(variant_id=str(variant.pk)) == variant
    with pytest.raises(ValueError, match="expected a number"):
        find_purchasable_variant(variant_id="lantern")
    with pytest.raises(TypeError, match="expected a number"):
        find_purchasable_variant(variant_id={"id": variant.pk})
    with CaptureQueriesContext(connection) as queries:
        assert find_purchasable_variant(variant_id=10**30) is None
        assert find_purchasable_variant(variant_id=-(10**30)) is None
    assert queries.captured_queries == []


def test_a_value_left_out_is_a_type_error() -> None:
    by_token = PreparedQuery(
        lambda: Cart.objects.filter(token=Bind("token", Cart._meta.get_field("token")), customer=None)
    )
    with pytest.raises(TypeError, match="'token'"):
        by_token.all(tokn=uuid.uuid4())


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a view runs
def test_a_locking_read_needs_a_transaction_where_rows_can_be_locked() -> None:
    cart = CartFactory.create()
    locked = PreparedQuery(lambda: Cart.objects.select_for_update().filter(pk=Bind("cart", Cart._meta.pk)))

    with transaction.atomic():
        assert locked.first(cart=cart.pk) == cart
    if connection.features.has_select_for_update:  # PostgreSQL: Django's own rule
        with pytest.raises(TransactionManagementError):
            locked.first(cart=cart.pk)
    else:  # SQLite locks the whole database, and Django takes no row lock there either
        assert locked.first(cart=cart.pk) == cart


def test_a_product_page_reads_its_product_variants_and_images_in_three_queries(settings, tmp_path) -> None:
    """get_published_product (emporium.catalog.selectors): the relations read by prepared
    queries are there as prefetch_related left them, in their order, each knowing its product."""
    settings.MEDIA_ROOT = tmp_path
    product = ProductFactory.create(variant=None, is_published=True)
    late = VariantFactory.create(product=product, position=2, sku="LATE")
    early = VariantFactory.create(product=product, position=1, sku="EARLY")
    back = ProductImageFactory.create(product=product, position=5)
    front = ProductImageFactory.create(product=product, position=0)
    hidden = ProductFactory.create(is_published=False)

    with CaptureQueriesContext(connection) as queries:
        found = get_published_product(slug=product.slug)
        variants = list(found.variants.all())
        images = list(found.images.all())
        owners = {variant.product for variant in variants} | {image.product for image in images}

    assert len(queries.captured_queries) == 3
    assert [variant.pk for variant in variants] == [early.pk, late.pk]
    assert [image.pk for image in images] == [front.pk, back.pk]
    assert owners == {found}
    assert (found.category.pk, found.name) == (product.category_id, product.name)
    assert "search_document" in found.get_deferred_fields()
    with pytest.raises(Product.DoesNotExist):
        get_published_product(slug=hidden.slug)


def _priced_products() -> list[Product]:
    """Nine products priced 0.50 to 8.50 (the summary column a listing filters on)."""
    products = [ProductFactory.create(name=f"Lantern {number}") for number in range(9)]
    for number, product in enumerate(products):
        Product.objects.filter(pk=product.pk).update(price_amount=Decimal(f"{number}.50"))
    return products


def test_a_bound_slice_reads_the_page_the_orm_reads_and_compiles_once() -> None:
    """Values before, inside and after the slice's subquery keep their places among the bounds."""
    products = _priced_products()
    price = Product._meta.get_field("price_amount")
    name = Product._meta.get_field("name")
    page_query = PreparedQuery(
        lambda: Product.objects.filter(
            name__startswith=Bind("prefix", name),
            pk__in=bound_slice(
                Product.objects.filter(price_amount__gte=Bind("cheapest", price)).order_by("-pk").values("pk")
            ),
            price_amount__lte=Bind("dearest", price),
        ).order_by("-pk")
    )

    def orm(offset: int, limit: int) -> list[int]:
        ids = (
            Product.objects.filter(price_amount__gte="1.50")
            .order_by("-pk")
            .values("pk")[offset : offset + limit]
        )
        found = Product.objects.filter(name__startswith="Lantern", pk__in=ids, price_amount__lte="7.50")
        return [product.pk for product in found.order_by("-pk")]

    pages = [(0, 3), (3, 3), (6, 3), (2, 4), (7, 5), (20, 3)]
    with counting_compiles() as compiled:
        read = {
            (offset, limit): [
                product.pk
                for product in page_query.all(
                    prefix="Lantern", cheapest="1.50", dearest="7.50", offset=offset, limit=limit
                )
            ]
            for offset, limit in pages
        }

    assert compiled == [Product, Product]  # the query and its subquery, once
    assert read == {(offset, limit): orm(offset, limit) for offset, limit in pages}
    # The three dearest from 1.50 up (8.50, 7.50, 6.50), then only those up to 7.50.
    assert read[(0, 3)] == [products[7].pk, products[6].pk]
    assert read[(20, 3)] == []


def test_a_prepared_query_counts_what_the_orm_counts() -> None:
    _priced_products()
    price = Product._meta.get_field("price_amount")
    priced = PreparedQuery(
        lambda: Product.objects.filter(price_amount__gte=Bind("cheapest", price)).order_by("name")
    )

    with counting_compiles() as compiled:
        counts = [priced.count(cheapest=cheapest) for cheapest in ("0", "4.50", "4.51", "100")]

    assert counts == [
        Product.objects.filter(price_amount__gte=c).count() for c in ("0", "4.50", "4.51", "100")
    ]
    assert counts == [9, 5, 4, 0]
    assert compiled == [Product]


def test_a_page_is_not_counted() -> None:
    """Counting a query with a bound slice would count nothing, silently: it is refused."""
    page = PreparedQuery(lambda: Product.objects.filter(pk__in=bound_slice(Product.objects.values("pk"))))

    with pytest.raises(ValueError, match="bound slice"):
        page.count(offset=0, limit=3)


def test_a_query_left_to_plan_per_run_is_not_prepared_on_the_server() -> None:
    """A listing's best plan depends on its values: compiled once, planned by the server each run."""
    if connection.vendor != "postgresql":
        pytest.skip("server-side prepared statements are PostgreSQL's")
    _priced_products()
    price = Product._meta.get_field("price_amount")
    planned_each_run = PreparedQuery(
        lambda: Product.objects.filter(price_amount__gte=Bind("cheapest", price)), server_prepared=False
    )
    prepared = PreparedQuery(lambda: Product.objects.filter(price_amount__lte=Bind("dearest", price)))

    def statements() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {statement for (statement,) in cursor.fetchall() if "catalog_product" in statement}

    before = statements()
    for _ in range(3):
        assert len(planned_each_run.all(cheapest="4.50")) == 5
        assert planned_each_run.count(cheapest="4.50") == 5
        assert len(prepared.all(dearest="4.50")) == 5
    new = statements() - before

    assert len(new) == 1  # the prepared one, and only it
    assert all("<=" in statement for statement in new)
