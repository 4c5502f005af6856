"""CountryField: the ISO codes of list_country_choices, shared by every copy of the field."""

from __future__ import annotations

import copy

from rest_framework import serializers

from emporium.accounts.api.fields import CountryField
from emporium.accounts.countries import list_country_choices


class AddressInput(serializers.Serializer):
    country = CountryField()


def test_a_known_code_passes_and_an_unknown_one_is_refused_by_name():
    good, bad = AddressInput(data={"country": "GB"}), AddressInput(data={"country": "XX"})

    assert good.is_valid()
    assert good.validated_data == {"country": "GB"}
    assert not bad.is_valid()
    assert bad.errors["country"][0].code == "invalid_choice"


def test_every_country_is_offered():
    field = AddressInput().fields["country"]

    assert isinstance(field, CountryField)
    assert list(field.choices) == [code for code, _ in list_country_choices()]


def test_the_copy_each_serializer_makes_does_not_copy_the_country_list():
    # DRF deep-copies the declared field for every serializer it makes; deepcopy's memo names
    # every object it copied on the way.
    copied: dict[int, object] = {}
    field = copy.deepcopy(AddressInput._declared_fields["country"], copied)

    assert isinstance(field, CountryField)
    assert list(field.choices) == [code for code, _ in list_country_choices()]
    assert id(list_country_choices()) not in copied
