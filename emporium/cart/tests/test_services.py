from decimal import Decimal

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.exceptions import OutOfStock
from emporium.cart.models import Cart
from emporium.cart.services import add_to_cart, merge_carts, set_cart_line_quantity
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_adding_the_same_variant_twice_adds_to_one_line():
    cart = CartFactory.create()
    variant = VariantFactory.create(stock_on_hand=10)

    add_to_cart(cart=cart, variant=variant, quantity=2)
    line = add_to_cart(cart=cart, variant=variant, quantity=3)

    assert (cart.lines.count(), line.quantity) == (1, 5)


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
