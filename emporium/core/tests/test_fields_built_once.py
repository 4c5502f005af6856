"""FieldsBuiltOnce: the same output and the same errors as DRF's own fields, never a shared binding."""

from decimal import Decimal
from typing import Any, cast
from uuid import uuid4

import pytest
from rest_framework import serializers

from emporium.cart.api.serializers import AddCartLineInput, CartLineOutput, CartOutput
from emporium.catalog.api.serializers import ProductListFilters
from emporium.checkout.api.serializers import PlaceOrderInput
from emporium.core.api.serializers import FieldsBuiltOnce
from emporium.orders.api.serializers import StaffOrderDetailOutput
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory


class Plain(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    tags = serializers.ListField(child=serializers.CharField(max_length=3))
    price = serializers.DecimalField(max_digits=6, decimal_places=2)
    kind = serializers.ChoiceField(choices=["a", "b"], default="a")


class Nested(serializers.Serializer):
    first = Plain()
    others = Plain(many=True, required=False)


class BuiltOnce(FieldsBuiltOnce, Nested):
    pass


def _plain_fields_of(serializer_class: type) -> type:
    """The same serializer building its fields as DRF does, for every instance."""
    drf = (
        serializers.ModelSerializer
        if issubclass(serializer_class, serializers.ModelSerializer)
        else serializers.Serializer
    )
    return type(f"Plain{serializer_class.__name__}", (serializer_class,), {"get_fields": drf.get_fields})


GOOD = {
    "first": {"name": "mug", "tags": ["red"], "price": "4.5"},
    "others": [{"name": "cup", "tags": [], "price": "1"}],
}
BAD = {
    "first": {"name": "too long", "tags": ["long one"], "price": "x", "kind": "c"},
    "others": [{"tags": "no"}],
}


@pytest.mark.parametrize("data", [GOOD, BAD, {}, {"first": None}])
def test_validation_answers_as_drf_does(data):
    built_once, plain = BuiltOnce(data=data), Nested(data=data)

    assert built_once.is_valid() == plain.is_valid()
    assert built_once.errors == plain.errors
    if not plain.errors:
        assert built_once.validated_data == plain.validated_data


def test_instances_share_no_bound_field():
    one, two = BuiltOnce(), BuiltOnce()

    for name in ("first", "others"):
        assert one.fields[name] is not two.fields[name]
        assert (one.fields[name].parent, two.fields[name].parent) == (one, two)
    tags_of_one, tags_of_two = (cast(Any, s.fields["first"]).fields["tags"] for s in (one, two))
    assert tags_of_one.child is not tags_of_two.child
    assert tags_of_one.child.parent is tags_of_one
    assert "_fields_prototype" not in Nested.__dict__  # the plain class builds its own, as ever


def test_a_plain_field_is_a_copy_of_the_prototype_that_binding_leaves_untouched():
    class Flat(FieldsBuiltOnce, Plain):
        pass

    one, two = Flat(), Flat()
    assert one.fields  # built on first use
    assert two.fields
    prototype = {name: field for name, field, _ in cast(Any, Flat)._fields_prototype}

    for name in ("name", "price", "kind"):
        assert len({id(one.fields[name]), id(two.fields[name]), id(prototype[name])}) == 3
        assert type(one.fields[name]) is type(prototype[name])
        assert (one.fields[name].field_name, one.fields[name].parent) == (name, one)
        assert prototype[name].field_name is None  # never bound itself
    fields = cast(Any, one.fields)
    assert fields["name"].max_length == 5
    assert fields["kind"].choices == cast(Any, prototype["kind"]).choices
    assert fields["tags"].child is not cast(Any, prototype["tags"]).child  # a field with a child: deep-copied


def test_a_failed_validation_leaves_the_next_instance_clean():
    BuiltOnce(data=BAD).is_valid()
    fresh = BuiltOnce(data=GOOD)

    assert fresh.is_valid(), fresh.errors
    assert fresh.validated_data["first"]["price"] == Decimal("4.50")


@pytest.mark.django_db
def test_the_api_serializers_write_what_drf_would():
    order = OrderFactory.create()
    OrderLineFactory.create(order=order)
    OrderLineFactory.create(order=order, discount_amount=Decimal("1.00"), discount_label="Sale")

    assert StaffOrderDetailOutput(order).data == _plain_fields_of(StaffOrderDetailOutput)(order).data
    for serializer_class, data in [
        (PlaceOrderInput, {"idempotency_key": str(uuid4()), "shipping_address": {"full_name": ""}}),
        (PlaceOrderInput, {"idempotency_key": "no", "shipping_address_id": 0, "shipping_method_id": 10**9}),
        (AddCartLineInput, {"variant_id": 10**9, "quantity": 0}),
        (ProductListFilters, {"sort": "price", "price_min": "-1", "page_size": "9999", "in_stock": "maybe"}),
        (ProductListFilters, {"category": "mugs", "price_min": "5", "price_max": "2"}),
        (ProductListFilters, {"q": "heart", "page": "2"}),
    ]:
        built_once, plain = serializer_class(data=data), _plain_fields_of(serializer_class)(data=data)
        assert (built_once.is_valid(), built_once.errors) == (plain.is_valid(), plain.errors)
        if not plain.errors:
            assert built_once.validated_data == plain.validated_data
    assert {CartOutput, CartLineOutput} <= set(FieldsBuiltOnce.__subclasses__())
