"""The "Return items" form: a quantity and a reason for each line that can still go back."""

from __future__ import annotations

from typing import Any

from django import forms

from emporium.orders.models import OrderLine
from emporium.returns.models import ReturnReason
from emporium.returns.services import ReturnItem

REASON_CHOICES = [("", "Choose a reason"), *ReturnReason.choices]


class ReturnForm(forms.Form):
    """Fields ``quantity_<line id>`` and ``reason_<line id>``; a quantity of 0 keeps the line.
    The limits shown are the service's; it checks them again under the order's lock."""

    def __init__(self, *args: Any, lines: list[tuple[OrderLine, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line, left in lines:
            name = line.display_name
            self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                label=f"Quantity of {name} to return", min_value=0, max_value=left, initial=0
            )
            self.fields[f"reason_{line.pk}"] = forms.ChoiceField(
                label=f"Why are you returning {name}?", choices=REASON_CHOICES, required=False
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "line": line,
                "left": left,
                "quantity": self[f"quantity_{line.pk}"],
                "reason": self[f"reason_{line.pk}"],
            }
            for line, left in self.lines
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = 0
        for line, _left in self.lines:
            quantity = cleaned.get(f"quantity_{line.pk}") or 0
            if quantity > 0:
                chosen += 1
                if not cleaned.get(f"reason_{line.pk}"):
                    self.add_error(f"reason_{line.pk}", "Choose a reason for this item.")
        if chosen == 0 and not self.errors:
            raise forms.ValidationError("Choose how many of at least one item to return.")
        return cleaned

    def items(self) -> list[ReturnItem]:
        return [
            ReturnItem(
                line.pk, self.cleaned_data[f"quantity_{line.pk}"], self.cleaned_data[f"reason_{line.pk}"]
            )
            for line, _left in self.lines
            if self.cleaned_data.get(f"quantity_{line.pk}")
        ]
