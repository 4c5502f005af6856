from __future__ import annotations

from typing import Any, cast

from django import forms

from emporium.payments.registry import list_enabled_gateways


class ChooseMethodForm(forms.Form):
    gateway = forms.ChoiceField(label="Payment method")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["gateway"])
        field.choices = [(gateway.name, gateway.label) for gateway in list_enabled_gateways()]


class TestCardForm(forms.Form):
    """The test gateway's card form: only the number decides the outcome (see the table on the page)."""

    card_number = forms.CharField(
        label="Card number",
        max_length=23,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number"}),
    )
    expiry = forms.CharField(
        label="Expiry (MM/YY)",
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp"}),
    )

    def clean_card_number(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["card_number"] if ch.isdigit())
        if not 12 <= len(digits) <= 19:
            raise forms.ValidationError("Enter the 16 digits of the card number.")
        return digits


class AuthenticationDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("fail", "Fail")])
