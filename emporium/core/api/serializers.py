"""What the API's serializers share beyond their fields (emporium.core.api.fields)."""

from __future__ import annotations

import copy
from typing import Any

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
        prototype: dict[str, Field] | None = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = super().get_fields()  # type: ignore[misc]
            cls._fields_prototype = prototype  # type: ignore[attr-defined]
        return {name: _copy(field) for name, field in prototype.items()}


def _copy(field: Any) -> Any:
    if isinstance(field, BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return copy.deepcopy(field)
    return copy.copy(field)
