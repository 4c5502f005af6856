from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from emporium.checkout.models import ShippingMethod, TaxRate, Voucher
from emporium.checkout.services import CheckoutDetails


class ShippingMethodFactory(DjangoModelFactory[ShippingMethod]):
    class Meta:
        model = ShippingMethod

    name = factory.Sequence(lambda n: f"Royal Mail {n}")
    price_amount = Decimal("3.95")


class TaxRateFactory(DjangoModelFactory[TaxRate]):
    class Meta:
        model = TaxRate
        django_get_or_create = ("country",)

    country = "GB"
    rate = Decimal("0.2000")


class VoucherFactory(DjangoModelFactory[Voucher]):
    class Meta:
        model = Voucher

    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = Voucher.Kind.PERCENTAGE
    value = Decimal(10)
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


def make_address(**overrides: str) -> dict[str, str]:
    address = {
        "full_name": "Ann Shopper", "company": "", "line1": "1 High Street", "line2": "", "city": "Bristol",
        "region": "", "postcode": "BS1 4DJ", "country": "GB", "phone": "",
    }  # fmt: skip
    return {**address, **overrides}


def make_details(*, shipping_method: ShippingMethod | None = None, **overrides: object) -> CheckoutDetails:
    fields: dict[str, object] = {
        "email": "ann@example.com",
        "shipping_address": make_address(),
        "billing_address": make_address(),
        "shipping_method": shipping_method or ShippingMethodFactory.create(),
        **overrides,
    }
    return CheckoutDetails(**fields)  # type: ignore[arg-type]
