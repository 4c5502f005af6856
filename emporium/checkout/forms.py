from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from moneyed import Money

from emporium.accounts.countries import list_country_choices
from emporium.accounts.models import ADDRESS_FIELDS, Address, User
from emporium.checkout.models import ShippingMethod
from emporium.checkout.selectors import list_active_shipping_methods, snapshot_address
from emporium.core.money import format_money

# What an address needs; the rest is optional. One list, so the labels, the browser's
# ``required`` and the server's checks cannot disagree.
REQUIRED_ADDRESS_FIELDS = ("full_name", "line1", "city", "postcode", "country")
MARKED_REQUIRED = {"required": True, "aria-required": "true"}


def _address_fields(prefix: str) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        f"{prefix}_full_name": forms.CharField(label="Full name", max_length=150),
        f"{prefix}_company": forms.CharField(label="Company", max_length=150, required=False),
        f"{prefix}_line1": forms.CharField(label="Address line 1", max_length=200),
        f"{prefix}_line2": forms.CharField(label="Address line 2", max_length=200, required=False),
        f"{prefix}_city": forms.CharField(label="Town or city", max_length=100),
        f"{prefix}_region": forms.CharField(label="County, state or region", max_length=100, required=False),
        f"{prefix}_postcode": forms.CharField(label="Postcode", max_length=20),
        f"{prefix}_country": forms.ChoiceField(label="Country", choices=list_country_choices, initial="GB"),
        f"{prefix}_phone": forms.CharField(label="Phone", max_length=32, required=False),
    }
    for name in REQUIRED_ADDRESS_FIELDS:
        # Marked on the widget too: the page shows the address as it is when it is needed,
        # even on a request where it is not (see CheckoutForm._relax).
        fields[f"{prefix}_{name}"].widget.attrs.update(MARKED_REQUIRED)
    return fields


class ShippingMethodChoiceField(forms.ModelChoiceField):
    """A method with its price, so the shopper compares them before choosing."""

    def label_from_instance(self, obj: ShippingMethod) -> str:
        price = format_money(Money(obj.price_amount, obj.currency))
        label = f"{obj.name}: {'from ' if obj.kind == ShippingMethod.Kind.WEIGHT else ''}{price}"
        if obj.free_over_amount is not None:
            label += f", free over {format_money(Money(obj.free_over_amount, obj.currency))}"
        return label


class CheckoutForm(forms.Form):
    """One page: contact, addresses, shipping, voucher, gift card. Customers may pick from their address book."""

    email = forms.EmailField(label="E-mail")
    saved_address = forms.ModelChoiceField(
        queryset=Address.objects.none(),
        required=False,
        label="Ship to a saved address",
        empty_label="A new address",
    )
    save_address = forms.BooleanField(
        label="Save this address to my address book", required=False, initial=True
    )
    billing_same = forms.BooleanField(label="Bill to the shipping address", required=False, initial=True)
    shipping_method = ShippingMethodChoiceField(
        queryset=ShippingMethod.objects.none(), widget=forms.RadioSelect, empty_label=None, label="Shipping"
    )
    voucher_code = forms.CharField(label="Voucher code", max_length=40, required=False)
    gift_card_code = forms.CharField(
        label="Gift card code",
        max_length=40,
        required=False,
        help_text="Pays all or part of the order; anything left is paid by card or transfer next.",
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(
        self,
        *args: Any,
        customer: User | None = None,
        currency: str | None = None,
        needs_shipping: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # An order of gift cards only has nothing to deliver (they are sent by e-mail): no
        # shipping method is asked for, and the address is the buyer's, for the invoice.
        self.needs_shipping = needs_shipping
        self.fields.update(_address_fields("shipping"))
        self.fields.update(_address_fields("billing"))
        self.fields["email"].widget.attrs.update(MARKED_REQUIRED)
        method = self.fields["shipping_method"]
        assert isinstance(method, forms.ModelChoiceField)
        # Only methods priced in the cart's currency are offered (checkout refuses the others).
        method.queryset = list_active_shipping_methods(currency=currency)
        if not needs_shipping:
            del self.fields["shipping_method"]
        field = self.fields["saved_address"]
        assert isinstance(field, forms.ModelChoiceField)
        if customer is not None:
            field.queryset = Address.objects.filter(customer=customer).order_by("-is_default_shipping", "pk")
        else:
            del self.fields["saved_address"]
            del self.fields["save_address"]
        if self.is_bound:
            self._relax()

    def _relax(self) -> None:
        """Address fields the submitted form does not need are not checked: the billing
        address while "bill to the shipping address" is ticked (its fields are hidden, and
        whatever they hold is ignored), the shipping address when a saved one is chosen."""
        if self._submitted("billing_same"):
            self._make_optional("billing")
        if "saved_address" in self.fields and self._submitted("saved_address"):
            self._make_optional("shipping")

    def _submitted(self, name: str) -> bool:
        value = self.fields[name].widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        return bool(value)

    def _make_optional(self, prefix: str) -> None:
        for name in ADDRESS_FIELDS:
            self.fields[f"{prefix}_{name}"].required = False

    def _address(self, prefix: str) -> dict[str, str]:
        data = self.cleaned_data
        return {name: str(data.get(f"{prefix}_{name}") or "") for name in ADDRESS_FIELDS}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        saved: Address | None = data.get("saved_address")
        if saved is not None:
            data["shipping_address"] = snapshot_address(address=saved)
            self._ignore("shipping")
        else:
            data["shipping_address"] = self._address("shipping")
            if data.get("save_address"):
                self._check_address_can_be_saved(data["shipping_address"])
        if data.get("billing_same"):
            data["billing_address"] = data["shipping_address"]
            self._ignore("billing")
        else:
            data["billing_address"] = self._address("billing")
        return data

    def _ignore(self, prefix: str) -> None:
        """Drop what the fields of an address not used said: the order never reads them, and
        hidden (billing) they could not even be fixed."""
        for name in ADDRESS_FIELDS:
            self.errors.pop(f"{prefix}_{name}", None)

    def _check_address_can_be_saved(self, address: dict[str, str]) -> None:
        """The address book is stricter than an order's copy (a phone number must look like
        one): say so next to the field now rather than fail after the order is placed."""
        try:
            Address(**address).full_clean(exclude=["customer"], validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if f"shipping_{name}" in self.fields and f"shipping_{name}" not in self.errors:
                    self.add_error(f"shipping_{name}", messages)

    def shipping_fields(self) -> list[forms.BoundField]:
        return [self[f"shipping_{name}"] for name in ADDRESS_FIELDS]

    def billing_fields(self) -> list[forms.BoundField]:
        return [self[f"billing_{name}"] for name in ADDRESS_FIELDS]


class OrderLookupForm(forms.Form):
    """A guest finds an order again by its number and the e-mail it was placed with."""

    number = forms.CharField(
        label="Order number", max_length=32, help_text="As in your e-mail, e.g. EM-7K3P-Q9XD."
    )
    email = forms.EmailField(label="E-mail address used for the order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update(MARKED_REQUIRED)
