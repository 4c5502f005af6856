"""``asynchronous_commit``: a statement that commits on its own in the block is sent with
``SET LOCAL synchronous_commit TO OFF`` after it, in the same query string, so its commit
does not wait for the disk; a caller's transaction, other databases and ``executemany`` are
left as they are.

Whether a commit waited for the disk cannot be seen from outside without timing it, so these
tests check what is sent, and that PostgreSQL applies a ``SET LOCAL`` sent that way to the
statement's own transaction (the rule the helper relies on).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from emporium.cart.models import Cart
from emporium.core.db import asynchronous_commit

pytestmark = pytest.mark.django_db(transaction=True)

NOT_WAITING = "SET LOCAL synchronous_commit TO OFF"


def _sent(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's asynchronous commit")


def test_postgresql_applies_a_set_local_sent_after_a_statement_to_that_statements_own_commit():
    _postgresql_only()
    notices: list[Any] = []
    connection.ensure_connection()
    assert connection.connection is not None
    connection.connection.add_notice_handler(notices.append)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1; {NOT_WAITING}; SELECT current_setting('synchronous_commit')")
        assert cursor.cursor.nextset()
        assert cursor.cursor.nextset()
        within = cursor.fetchone()
        cursor.execute("SELECT current_setting('synchronous_commit')")
        after = cursor.fetchone()

    assert within == ("off",)  # the statements' one implicit transaction
    assert after == ("on",)  # and only that one
    assert notices == []  # no "SET LOCAL can only be used in transaction blocks"


def test_a_statement_outside_a_transaction_is_sent_with_the_setting_and_returns_its_rows():
    _postgresql_only()
    with CaptureQueriesContext(connection) as queries, asynchronous_commit():
        cart = Cart.objects.create(token=uuid.uuid4())

    (insert,) = _sent(queries)
    assert insert.startswith('INSERT INTO "cart_cart"')
    assert insert.endswith(f"; {NOT_WAITING}")
    assert cart.pk is not None  # RETURNING's rows are the first result
    assert Cart.objects.filter(pk=cart.pk, token=cart.token).exists()  # committed


def test_a_callers_transaction_stays_durable():
    _postgresql_only()
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic(), asynchronous_commit():
            Cart.objects.create(token=uuid.uuid4())
        with asynchronous_commit(), transaction.atomic():
            Cart.objects.create(token=uuid.uuid4())

    assert all(NOT_WAITING not in sql for sql in _sent(queries)), _sent(queries)
    assert Cart.objects.count() == 2


def test_a_refused_statement_raises_as_usual_and_leaves_the_connection_usable():
    _postgresql_only()
    token = uuid.uuid4()
    Cart.objects.create(token=token)

    with pytest.raises(IntegrityError), asynchronous_commit():
        Cart.objects.create(token=token)

    assert connection.is_usable()
    assert Cart.objects.filter(token=token).count() == 1


def test_executemany_is_sent_as_it_is():
    _postgresql_only()
    with CaptureQueriesContext(connection) as queries, asynchronous_commit(), connection.cursor() as cursor:
        cursor.executemany(
            'INSERT INTO "cart_cart" (created_at, updated_at, token, currency) VALUES (now(), now(), %s, %s)',
            [(uuid.uuid4(), "GBP"), (uuid.uuid4(), "GBP")],
        )

    assert all(NOT_WAITING not in sql for sql in _sent(queries)), _sent(queries)
    assert Cart.objects.count() == 2


def test_other_databases_are_sent_the_statement_alone():
    if connection.vendor == "postgresql":
        pytest.skip("the embedded SQLite's case")
    with CaptureQueriesContext(connection) as queries, asynchronous_commit():
        Cart.objects.create(token=uuid.uuid4())

    assert all(NOT_WAITING not in sql for sql in _sent(queries)), _sent(queries)
    assert Cart.objects.count() == 1
