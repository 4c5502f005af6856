"""What the demo shop charges for delivery and tax, and the vouchers it hands out.

A shop with products but no shipping method cannot take an order: checkout needs a method
for the shopper's country. The demo subset of the Online Retail file is a UK shop selling
mostly at home and in Europe, so the demo is set up as such a shop would be: UK standard
(free over £40) and express, a European rate, a rest-of-the-world rate, UK VAT at 20%
included in the prices (exports are zero-rated, so other countries carry none), and two
vouchers the README names. Staff change all of it in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from emporium.accounts.countries import list_country_choices
from emporium.checkout.models import ShippingMethod, TaxRate, Voucher
from emporium.checkout.signals import forget_tax_rates

# The UK VAT area: Great Britain and Northern Ireland (GB) and the Isle of Man. The Channel
# Islands are outside it but are served by Royal Mail's UK services.
UK_VAT_AREA = ("GB", "IM")
UK_DELIVERY = ("GB", "IM", "JE", "GG")
EUROPE = [
    "AD",
    "AL",
    "AT",
    "BA",
    "BE",
    "BG",
    "CH",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FO",
    "FR",
    "GI",
    "GR",
    "HR",
    "HU",
    "IE",
    "IS",
    "IT",
    "LI",
    "LT",
    "LU",
    "LV",
    "MC",
    "MD",
    "ME",
    "MK",
    "MT",
    "NL",
    "NO",
    "PL",
    "PT",
    "RO",
    "RS",
    "SE",
    "SI",
    "SK",
    "SM",
    "VA",
]
UK_VAT_RATE = Decimal("0.2000")


@dataclass(frozen=True)
class DemoVoucher:
    code: str
    kind: str
    value: Decimal
    minimum_spend: Decimal
    per_customer_limit: int | None
    description: str


DEMO_VOUCHERS = (
    DemoVoucher(
        "WELCOME10",
        Voucher.Kind.PERCENTAGE,
        Decimal(10),
        Decimal(20),
        1,
        "10% off an order of £20 or more, once per customer",
    ),
    DemoVoucher(
        "SAVE5", Voucher.Kind.FIXED, Decimal(5), Decimal(30), None, "£5 off any order of £30 or more"
    ),
)


@dataclass(frozen=True)
class DemoCheckoutSetup:
    shipping_methods: int
    tax_rates: int
    vouchers: int


def _rest_of_world() -> str:
    elsewhere = set(UK_DELIVERY) | set(EUROPE)
    return ",".join(code for code, _ in list_country_choices() if code not in elsewhere)


@transaction.atomic
def set_up_demo_checkout() -> DemoCheckoutSetup:
    """Create the demo's shipping methods, VAT rate and vouchers where none exist yet.

    Each kind is created only when the shop has none of it, so running this again, or on a
    shop whose staff already set up delivery, changes nothing.
    """
    currency = settings.DEFAULT_CURRENCY
    methods = 0
    if not ShippingMethod.objects.exists():
        rows = [
            ShippingMethod(
                name="UK Standard (2-3 working days)",
                countries=",".join(UK_DELIVERY),
                price_amount=Decimal("3.95"),
                free_over_amount=Decimal(40),
                position=1,
            ),
            ShippingMethod(
                name="UK Express (next working day)",
                countries=",".join(UK_DELIVERY),
                price_amount=Decimal("7.95"),
                position=2,
            ),
            ShippingMethod(
                name="Europe (3-6 working days)",
                countries=",".join(EUROPE),
                price_amount=Decimal("9.95"),
                position=3,
            ),
            ShippingMethod(
                name="Rest of the world (5-10 working days)",
                countries=_rest_of_world(),
                price_amount=Decimal("19.95"),
                position=4,
            ),
        ]
        for method in rows:
            method.currency = currency
            method.full_clean()
        methods = len(ShippingMethod.objects.bulk_create(rows))
    rates = 0
    if not TaxRate.objects.exists():
        rates = len(
            TaxRate.objects.bulk_create(TaxRate(country=code, rate=UK_VAT_RATE) for code in UK_VAT_AREA)
        )
        forget_tax_rates()  # bulk_create sends no post_save
    vouchers = 0
    if not Voucher.objects.exists():
        now = timezone.now()
        for demo in DEMO_VOUCHERS:
            voucher = Voucher(
                code=demo.code,
                kind=demo.kind,
                value=demo.value,
                currency=currency,
                minimum_spend_amount=demo.minimum_spend,
                per_customer_limit=demo.per_customer_limit,
                starts_at=now,
            )
            voucher.full_clean()
            voucher.save()
            vouchers += 1
    return DemoCheckoutSetup(shipping_methods=methods, tax_rates=rates, vouchers=vouchers)
