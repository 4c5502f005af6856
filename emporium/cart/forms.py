from __future__ import annotations

from django import forms

from emporium.catalog.selectors import list_purchasable_variants

MAX_LINE_QUANTITY = 999


class AddToCartForm(forms.Form):
    variant = forms.ModelChoiceField(
        queryset=list_purchasable_variants(),
        error_messages={"invalid_choice": "Choose an option that is still for sale."},
    )
    quantity = forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, initial=1)


class CartLineQuantityForm(forms.Form):
    """Zero removes the line, as a shopper clearing the box would expect."""

    quantity = forms.IntegerField(min_value=0, max_value=MAX_LINE_QUANTITY)
