"""The demo shop can take an order: delivery, VAT and vouchers come with the demo data."""

from decimal import Decimal

import pytest
from django.test import Client

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.demo import set_up_demo_checkout
from emporium.checkout.models import ShippingMethod, TaxRate, Voucher
from emporium.checkout.tests.factories import ShippingMethodFactory
from emporium.orders.models import Order

pytestmark = pytest.mark.django_db


def _guest_form(method: ShippingMethod, country: str = "GB", **overrides: str) -> dict[str, object]:
    data = {
        "email": "guest@example.com", "shipping_full_name": "Gus Guest", "shipping_line1": "2 Park Row",
        "shipping_city": "Leeds", "shipping_postcode": "LS1 5HD", "shipping_country": country, "billing_same": "on",
        "shipping_method": method.pk, "voucher_code": "", "idempotency_key": "6a0f7c2e-1f0b-4a55-8a9c-0d1e2f3a4b5c",
    }  # fmt: skip
    return {**data, **overrides}


def test_the_demo_delivers_at_home_in_europe_and_to_the_rest_of_the_world():
    set_up_demo_checkout()

    def names_for(country: str) -> list[str]:
        return [method.name for method in ShippingMethod.objects.active() if method.ships_to(country)]

    assert names_for("GB") == ["UK Standard (2-3 working days)", "UK Express (next working day)"]
    assert names_for("FR") == ["Europe (3-6 working days)"]
    assert names_for("US") == ["Rest of the world (5-10 working days)"]


def test_every_country_a_shopper_can_choose_has_exactly_one_demo_region():
    from emporium.accounts.countries import list_country_choices

    set_up_demo_checkout()
    methods = list(ShippingMethod.objects.active())

    unserved = [code for code, _ in list_country_choices() if not any(m.ships_to(code) for m in methods)]
    assert unserved == []


def test_the_demo_charges_uk_vat_and_gives_two_vouchers():
    set_up_demo_checkout()

    assert dict(TaxRate.objects.values_list("country", "rate")) == {
        "GB": Decimal("0.2000"),
        "IM": Decimal("0.2000"),
    }
    assert sorted(Voucher.objects.values_list("code", flat=True)) == ["SAVE5", "WELCOME10"]


def test_setting_up_again_or_over_staffs_own_methods_changes_nothing():
    ShippingMethodFactory.create(name="Courier")

    first = set_up_demo_checkout()
    second = set_up_demo_checkout()

    assert list(ShippingMethod.objects.values_list("name", flat=True)) == ["Courier"]
    assert (first.shipping_methods, second.tax_rates, second.vouchers) == (0, 0, 0)


def test_a_guest_buys_from_the_demo_set_up_with_vat_included_and_a_voucher(client: Client):
    set_up_demo_checkout()
    variant = VariantFactory.create(price_amount="12.00", stock_on_hand=5)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})
    standard = ShippingMethod.objects.get(name__startswith="UK Standard")

    response = client.post("/checkout/", _guest_form(standard, voucher_code="welcome10"))

    order = Order.objects.get()
    assert response.status_code == 302
    # £24.00 of goods, 10% off (£2.40), £3.95 delivery: £25.55, of which 20% VAT is included.
    assert (order.total_amount, order.tax_amount) == (Decimal("25.55"), Decimal("4.26"))


def test_a_method_that_does_not_deliver_there_names_the_ones_that_do(client: Client):
    set_up_demo_checkout()
    variant = VariantFactory.create(stock_on_hand=5)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    europe = ShippingMethod.objects.get(name__startswith="Europe")

    response = client.post("/checkout/", _guest_form(europe, country="GB"))

    html = response.content.decode()
    assert response.status_code == 422
    assert "Europe (3-6 working days) does not deliver to United Kingdom. Choose UK Standard" in html


def test_a_country_no_method_serves_is_told_so_and_what_to_do(client: Client):
    uk_only = ShippingMethodFactory.create(name="UK post", countries="GB")
    variant = VariantFactory.create(stock_on_hand=5)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    response = client.post("/checkout/", _guest_form(uk_only, country="JP"))

    assert "we do not deliver to Japan yet" in response.content.decode()
    assert Order.objects.count() == 0


def test_the_shipping_choices_show_their_prices(client: Client):
    set_up_demo_checkout()
    variant = VariantFactory.create(stock_on_hand=5)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    html = client.get("/checkout/").content.decode()

    assert "UK Standard (2-3 working days): £3.95, free over £40.00" in html


def test_a_shop_with_no_shipping_method_says_so_at_checkout(client: Client):
    variant = VariantFactory.create(stock_on_hand=5)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    html = client.get("/checkout/").content.decode()

    assert "This shop cannot deliver orders yet" in html


@pytest.fixture
def staff_client(client: Client, settings) -> Client:
    settings.STAFF_MFA_REQUIRED = False  # the admin's two-factor gate is tested in accounts
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_staff_are_warned_on_the_admin_front_page_while_no_method_is_set_up(staff_client: Client):
    warned = staff_client.get("/admin/").content.decode()
    set_up_demo_checkout()
    not_warned = staff_client.get("/admin/").content.decode()

    assert "No active shipping method: customers cannot place orders." in warned
    assert "No active shipping method" not in not_warned


def test_a_voucher_below_its_minimum_spend_says_the_amount_in_the_shops_money_format(client: Client):
    set_up_demo_checkout()
    variant = VariantFactory.create(price_amount="12.00", stock_on_hand=5)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    standard = ShippingMethod.objects.get(name__startswith="UK Standard")

    response = client.post("/checkout/", _guest_form(standard, voucher_code="SAVE5"))

    assert "Spend at least £30.00 to use this voucher." in response.content.decode()
