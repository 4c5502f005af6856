from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.exceptions import OutOfStock
from emporium.cart.models import Cart
from emporium.cart.services import add_to_cart, create_visitor_cart, merge_carts, set_cart_line_quantity
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_adding_the_same_variant_twice_adds_to_one_line():
    cart = CartFactory.create()
    variant = VariantFactory.create(stock_on_hand=10)

    add_to_cart(cart=cart, variant=variant, quantity=2)
    line = add_to_cart(cart=cart, variant=variant, quantity=3)

    assert (cart.lines.count(), line.quantity) == (1, 5)


def test_a_variant_new_to_the_cart_is_one_insert_without_a_lock():
    cart = CartFactory.create()
    variant = VariantFactory.create(stock_on_hand=10)

    with CaptureQueriesContext(connection) as queries:
        add_to_cart(cart=cart, variant=variant, quantity=2)

    statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    assert [statement.split(" ", 1)[0] for statement in statements] == ["INSERT"], statements
    assert cart.lines.get().quantity == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_as_in_a_request_the_insert_stands_alone_and_a_repeat_still_adds():
    """No BEGIN and COMMIT around the usual INSERT (two round trips saved on every add); the
    refused INSERT of a variant already in the cart leaves the connection usable."""
    cart = CartFactory.create()
    variant = VariantFactory.create(stock_on_hand=10)

    with CaptureQueriesContext(connection) as queries:
        add_to_cart(cart=cart, variant=variant, quantity=2)
    line = add_to_cart(cart=cart, variant=variant, quantity=3)

    assert [query["sql"].split(" ", 1)[0] for query in queries.captured_queries] == ["INSERT"]
    assert (cart.lines.count(), line.quantity) == (1, 5)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_new_cart_and_a_new_line_commit_without_waiting_for_the_disk():
    """On PostgreSQL (asynchronous_commit): a cart line is cheap to add again, and the order
    placed from it commits durably, flushing it too."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's asynchronous commit")
    variant = VariantFactory.create(stock_on_hand=10)

    with CaptureQueriesContext(connection) as queries:
        cart = create_visitor_cart()
        add_to_cart(cart=cart, variant=variant, quantity=2)

    assert [query["sql"].split(" ", 1)[0] for query in queries.captured_queries] == ["INSERT", "INSERT"]
    assert all(
        query["sql"].endswith("; SET LOCAL synchronous_commit TO OFF") for query in queries.captured_queries
    )
    assert cart.lines.get().quantity == 2


def test_inside_a_callers_transaction_the_insert_waits_for_the_disk_with_it():
    cart = CartFactory.create()
    variant = VariantFactory.create(stock_on_hand=10)

    with CaptureQueriesContext(connection) as queries:
        add_to_cart(cart=cart, variant=variant, quantity=2)

    assert all("synchronous_commit" not in query["sql"] for query in queries.captured_queries)


def test_a_variant_already_in_the_cart_is_raised_under_its_lock():
    cart = CartFactory.create()
    variant = VariantFactory.create(stock_on_hand=10)
    add_to_cart(cart=cart, variant=variant, quantity=2)

    with CaptureQueriesContext(connection) as queries:
        add_to_cart(cart=cart, variant=variant, quantity=3)

    sql = [query["sql"] for query in queries.captured_queries]
    assert any(statement.startswith('UPDATE "cart_cartline"') for statement in sql), sql
    if connection.features.has_select_for_update:  # SQLite locks the whole database instead
        assert any('FROM "cart_cartline"' in statement and "FOR UPDATE" in statement for statement in sql), (
            sql
        )
    assert cart.lines.get().quantity == 5


def test_beyond_the_stock_the_refusal_counts_what_the_cart_holds_already():
    cart = CartFactory.create()
    variant = VariantFactory.create(stock_on_hand=5)
    add_to_cart(cart=cart, variant=variant, quantity=4)

    with pytest.raises(OutOfStock) as error:
        add_to_cart(cart=cart, variant=variant, quantity=2)  # 2 are free, but not 4 + 2

    assert (error.value.details["requested"], error.value.details["available"]) == (6, 5)
    assert cart.lines.get().quantity == 4


def test_cart_quantity_is_limited_by_the_stock_not_yet_allocated():
    variant = VariantFactory.create(stock_on_hand=5, stock_allocated=3)

    with pytest.raises(OutOfStock) as error:
        add_to_cart(cart=CartFactory.create(), variant=variant, quantity=3)

    assert error.value.details["available"] == 2


def test_setting_quantity_to_zero_removes_the_line():
    line = CartLineFactory.create(quantity=2)

    set_cart_line_quantity(cart=line.cart, line_id=line.pk, quantity=0)

    assert not line.cart.lines.exists()


def test_a_line_remembers_its_price_and_notices_a_change():
    line = CartLineFactory.create(variant__price_amount=Decimal("4.95"))
    line.variant.price_amount = Decimal("5.50")
    line.variant.save()

    line.refresh_from_db()

    assert line.has_price_changed
    assert line.added_price.amount == Decimal("4.95")


def test_merging_adds_quantities_within_stock_and_drops_the_visitor_cart():
    customer = UserFactory.create()
    target = CartFactory.create(customer=customer, token=None)
    variant = VariantFactory.create(stock_on_hand=4)
    CartLineFactory.create(cart=target, variant=variant, quantity=3)
    source = CartFactory.create()
    CartLineFactory.create(cart=source, variant=variant, quantity=3)
    other = CartLineFactory.create(cart=source, quantity=1)

    merge_carts(source=source, target=target)

    quantities = dict(target.lines.values_list("variant_id", "quantity"))
    assert quantities == {variant.pk: 4, other.variant_id: 1}
    assert not Cart.objects.filter(pk=source.pk).exists()
