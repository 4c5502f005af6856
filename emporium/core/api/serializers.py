"""What the API's serializers share beyond their fields (emporium.core.api.fields)."""

from __future__ import annotations

import copy

from rest_framework.fields import Field
from rest_framework.serializers import BaseSerializer


# Build a serializer class's fields once per process; each instance gets copies to bind.
#
# DRF builds every serializer's fields afresh for each instance: it deep-copies the declared
# fields (a field's deep copy calls its ``__init__`` again with the arguments it was given,
# recursively) and a ``ModelSerializer`` also reads its model's options to make the others.
# On the checkout path (three cart bodies, two inputs and the placed order per order) that
# was about a twentieth of an order's time, for the same fields every time.
#
# Here the fields a class's ``get_fields`` returns are kept, unbound, as the class's
# prototype; an instance gets a shallow copy of each, which its ``fields`` then binds (name,
# parent, source) as DRF binds its own copies, leaving the prototype untouched. Anything with
# fields or a child of its own (a nested serializer, a list or many-related field, whose child
# is bound to its parent when built) is deep-copied as DRF does it, so nothing bound is ever
# shared between two instances.
#
# For serializers whose fields are the same for every instance: not for one whose
# ``get_fields`` depends on its context, its instance or its arguments.
#
# (A comment, not a docstring: drf-spectacular would print a docstring as the description of
# every serializer in the schema that has none of its own.)
class FieldsBuiltOnce:
    def get_fields(self) -> dict[str, Field]:
        cls = type(self)
        prototype: tuple[tuple[str, Field, bool], ...] | None = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            fields: dict[str, Field] = super().get_fields()  # type: ignore[misc]
            prototype = tuple((name, field, _has_bound_parts(field)) for name, field in fields.items())
            cls._fields_prototype = prototype  # type: ignore[attr-defined]
        return {
            name: copy.deepcopy(field) if deep else _shallow_copy(field) for name, field, deep in prototype
        }


def _has_bound_parts(field: Field) -> bool:
    return isinstance(field, BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation")


def _shallow_copy(field: Field) -> Field:
    # What copy.copy does for a field (DRF's fields define no __copy__ and no __reduce__ of
    # their own, and keep their state in __dict__), without copyreg's detour: a third of the time.
    twin = object.__new__(type(field))
    twin.__dict__.update(field.__dict__)
    return twin
