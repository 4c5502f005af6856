"""Input and output shapes of the accounts API, one per direction."""

from __future__ import annotations

from rest_framework import serializers

from emporium.accounts.models import Address, User


class TokenObtainInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)
    code = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Two-factor code, for accounts that use one."
    )


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshTokenInput(serializers.Serializer):
    refresh = serializers.CharField()


class MeOutput(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "email", "full_name", "date_joined", "is_staff")


class AddressSerializer(serializers.ModelSerializer[Address]):
    """One shape both ways: what a client sends is what it reads back, plus the id."""

    class Meta:
        model = Address
        fields = ("id", *Address.EDITABLE_FIELDS)
        read_only_fields = ("id",)
        extra_kwargs = {
            "company": {"default": ""},
            "line2": {"default": ""},
            "region": {"default": ""},
            "phone": {"default": ""},
            "is_default_shipping": {"default": False},
            "is_default_billing": {"default": False},
        }


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(
        trim_whitespace=False, help_text="At least 10 characters, not a common one."
    )
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class RegisterOutput(serializers.Serializer):
    detail = serializers.CharField()


class VerifyEmailInput(serializers.Serializer):
    key = serializers.CharField(max_length=200, help_text="The key at the end of the e-mailed link.")
