from __future__ import annotations

from django import forms

from emporium.catalog.models import Variant


class StockAlertForm(forms.Form):
    variant = forms.ModelChoiceField(
        queryset=Variant.objects.filter(product__is_published=True),
        error_messages={"invalid_choice": "Choose an option of this product."},
    )
    email = forms.EmailField(label="Your e-mail address", max_length=254)
