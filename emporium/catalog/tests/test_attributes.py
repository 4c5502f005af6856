"""Product types: typed attributes checked and normalised on save, variants told apart by options."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from emporium.catalog.attributes import AllowedValue, AttributeKind, DeclaredAttribute
from emporium.catalog.models import AttributeValue, ProductTypeAttribute, Variant
from emporium.catalog.tests.factories import (
    AttributeFactory,
    ProductFactory,
    ProductTypeFactory,
    VariantFactory,
    make_clothing_type,
    make_product_with_variants,
)

pytestmark = pytest.mark.django_db


def test_typed_attributes_are_stored_normalised():
    product = ProductFactory.create(product_type=make_clothing_type(), variant=None)
    product.attributes = {"weight": "180", "material": " cotton "}

    product.full_clean()

    assert product.attributes == {"material": "cotton", "weight": 180}


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"weight": "heavy"}, "weight: needs a number."),
        ({"fabric": "silk"}, "fabric: is not an attribute of this product type."),
        ({"colour": "red"}, "colour: is chosen per variant: set it in the variant's options."),
        ([1, 2], "Give the values as an object of attribute code to value."),
    ],
)
def test_a_wrong_attribute_is_refused_naming_it(attributes, message):
    product = ProductFactory.create(product_type=make_clothing_type(), variant=None)
    product.attributes = attributes

    with pytest.raises(ValidationError) as refused:
        product.full_clean()

    assert refused.value.message_dict == {"attributes": [message]}


def test_a_product_without_a_type_keeps_free_form_attributes():
    product = ProductFactory.create(attributes={"anything": ["goes", 1]}, variant=None)

    product.full_clean()

    assert product.attributes == {"anything": ["goes", 1]}


def test_variant_options_are_stored_as_codes():
    product = ProductFactory.create(product_type=make_clothing_type(), variant=None)
    variant = VariantFactory.build(product=product, options={"size": "Medium", "colour": "RED"})

    variant.full_clean()

    assert variant.options == {"colour": "red", "size": "m"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"colour": "red"}, "size: is required."),
        ({"colour": "purple", "size": "m"}, "colour: 'purple' is not one of the allowed values (red, blue, pink)."),
        ({"colour": "red", "size": "m", "material": "silk"}, "material: is the same for every variant: set it on the product."),
    ],
)  # fmt: skip
def test_wrong_options_are_refused_naming_them(options, message):
    product = ProductFactory.create(product_type=make_clothing_type(), variant=None)
    variant = VariantFactory.build(product=product, options=options)

    with pytest.raises(ValidationError) as refused:
        variant.full_clean()

    assert refused.value.message_dict == {"options": [message]}


def test_two_variants_of_a_product_cannot_have_the_same_options():
    product = make_product_with_variants(
        "Tee", product_type=make_clothing_type(), options=[{"colour": "red", "size": "m"}]
    )
    twin = VariantFactory.build(product=product, options={"size": "m", "colour": "red"})

    with pytest.raises(ValidationError) as refused:
        twin.full_clean()

    assert list(refused.value.message_dict) == ["options"]


def test_the_database_refuses_twin_options_too():
    product = make_product_with_variants(
        "Tee", product_type=make_clothing_type(), options=[{"colour": "red", "size": "m"}]
    )

    with pytest.raises(IntegrityError):
        Variant.objects.create(
            product=product, sku="TWIN", price_amount=1, options={"colour": "red", "size": "m"}
        )


def test_variants_of_an_untyped_product_have_no_options():
    product = ProductFactory.create(variant=None)
    VariantFactory.create(product=product)
    second = VariantFactory.build(product=product, options={"colour": "red"})

    with pytest.raises(ValidationError) as refused:
        second.full_clean()

    assert list(refused.value.message_dict) == ["options"]


def test_only_lists_of_values_can_tell_variants_apart():
    use = ProductTypeAttribute(
        product_type=ProductTypeFactory.create(),
        attribute=AttributeFactory.create(kind=AttributeKind.NUMBER, unit="cm"),
        defines_variants=True,
    )

    with pytest.raises(ValidationError) as refused:
        use.full_clean()

    assert list(refused.value.message_dict) == ["defines_variants"]


def test_a_colour_needs_its_swatch():
    value = AttributeValue(
        attribute=AttributeFactory.create(kind=AttributeKind.COLOUR), code="red", name="Red"
    )

    with pytest.raises(ValidationError) as refused:
        value.full_clean()

    assert list(refused.value.message_dict) == ["hex"]


NUMBER = DeclaredAttribute(
    code="width", name="Width", kind=AttributeKind.NUMBER, unit="cm", allowed=(), defines_variants=False,
    is_required=False,
)  # fmt: skip
CHOICE = DeclaredAttribute(
    code="size", name="Size", kind=AttributeKind.CHOICE, unit="",
    allowed=(AllowedValue("s", "Small"), AllowedValue("m", "Medium")), defines_variants=True, is_required=True,
)  # fmt: skip


@given(st.one_of(st.integers(), st.decimals(allow_nan=False, allow_infinity=False, places=3)))
def test_any_finite_number_is_kept_whether_sent_as_number_or_text(number):
    assert float(NUMBER.normalise(str(number))) == float(number)


@given(st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none(), st.lists(st.integers())))
def test_a_choice_is_one_of_its_codes_or_refused(raw):
    try:
        stored = CHOICE.normalise(raw)
    except ValueError:
        return
    assert stored in {"s", "m"}


KINDS = [
    NUMBER,
    CHOICE,
    DeclaredAttribute(
        code="gift", name="Gift wrap", kind=AttributeKind.BOOLEAN, unit="", allowed=(), defines_variants=False,
        is_required=False,
    ),
    DeclaredAttribute(
        code="material", name="Material", kind=AttributeKind.TEXT, unit="", allowed=(), defines_variants=False,
        is_required=False,
    ),
]  # fmt: skip
ANY_VALUE = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.sampled_from(["Small", " m ", "yes", "1e3"]),
)


@given(attribute=st.sampled_from(KINDS), raw=ANY_VALUE)
def test_a_stored_value_is_stored_again_unchanged(attribute, raw):
    """Saving a product again (admin, API PATCH) must never change or refuse what was stored."""
    try:
        stored = attribute.normalise(raw)
    except ValueError:
        return
    assert attribute.normalise(stored) == stored
