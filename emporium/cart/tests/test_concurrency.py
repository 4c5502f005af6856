"""Several tabs adding the same variant to one cart at the same instant: every add counts.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
"""

from __future__ import annotations

import pytest

from emporium.cart.models import CartLine
from emporium.cart.services import add_to_cart
from emporium.cart.tests.factories import CartFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.core.tests.concurrency import all_at_once, needs_postgresql

TABS = 4
ROUNDS = 5


pytestmark = needs_postgresql


@pytest.mark.django_db(transaction=True)
def test_adds_of_a_variant_new_to_the_cart_at_the_same_instant_all_count():
    """Each tab's INSERT but one meets the unique (cart, variant) line, made meanwhile by
    another: it then adds to that line under its lock instead of failing."""
    variant = VariantFactory.create(stock_on_hand=100)
    for _ in range(ROUNDS):
        cart = CartFactory.create()

        def add(cart=cart) -> str:
            add_to_cart(cart=cart, variant=variant, quantity=2)
            return "added"

        outcomes = all_at_once([add] * TABS)

        assert outcomes == {"added": TABS}
        assert CartLine.objects.get(cart=cart, variant=variant).quantity == 2 * TABS
