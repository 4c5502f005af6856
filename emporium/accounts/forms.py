from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django import forms
from django.http import HttpRequest

from emporium.accounts.countries import get_default_country
from emporium.accounts.models import Address, User
from emporium.accounts.services import update_profile


class SignupDetailsForm(forms.Form):
    """What allauth's sign-up form asks for besides the e-mail address and password."""

    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="How we address you in e-mails and on parcels.",
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        update_profile(user=user, full_name=self.cleaned_data["full_name"])


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class AddressForm(forms.ModelForm[Address]):
    class Meta:
        model = Address
        fields = Address.EDITABLE_FIELDS
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "company": forms.TextInput(attrs={"autocomplete": "organization"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "region": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "country": forms.Select(attrs={"autocomplete": "country"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }
        help_texts = {"phone": "For the courier, if they cannot find you."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["country"].initial = get_default_country()


class DeleteAccountForm(forms.Form):
    """Asks for the password, or for customers who only sign in through Google, GitHub or
    single sign-on (and so have none), for their e-mail address typed out."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    email = forms.EmailField(label="Your e-mail address", help_text="Type it to confirm.")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            del self.fields["email"]
        else:
            del self.fields["password"]

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        # allauth's reauthentication counts failures against the same limit as the login
        # form, so a borrowed session cannot be used to guess the password here.
        if not get_account_adapter().reauthenticate(self.user, password):
            raise forms.ValidationError("That is not your password.")
        return password

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        if email.casefold() != self.user.email.casefold():
            raise forms.ValidationError("That is not the e-mail address of this account.")
        return email
