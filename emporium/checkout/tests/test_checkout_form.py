"""The checkout form: required fields say so, optional ones say they are optional, and the
billing address counts only when the order is not billed to the shipping address."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from emporium.accounts.tests.factories import AddressFactory, UserFactory
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.tests.factories import ShippingMethodFactory, VoucherFactory
from emporium.orders.models import Order

pytestmark = pytest.mark.django_db

REQUIRED = ["email", *(f"shipping_{n}" for n in ("full_name", "line1", "city", "postcode", "country"))]
OPTIONAL = ["shipping_company", "shipping_line2", "shipping_region", "shipping_phone", "voucher_code"]
BILLING_REQUIRED = [f"billing_{n}" for n in ("full_name", "line1", "city", "postcode", "country")]


class _Fields(HTMLParser):
    """Each form control's attributes by name, and each label's text by the id it is for."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str | None]] = {}
        self.labels: dict[str, str] = {}
        self._label_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("name"):
            self.controls.setdefault(str(attributes["name"]), attributes)
        elif tag == "label":
            self._label_for = attributes.get("for")
            self.labels[str(self._label_for)] = ""

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self.labels[self._label_for] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_for = None


def _page(html: str) -> _Fields:
    parser = _Fields()
    parser.feed(html)
    return parser


def _label(page: _Fields, name: str) -> str:
    return " ".join(page.labels[str(page.controls[name]["id"])].split())


def _form(method, **overrides):
    data = {
        "email": "guest@example.com", "shipping_full_name": "Gus Guest", "shipping_line1": "2 Park Row",
        "shipping_city": "Leeds", "shipping_postcode": "LS1 5HD", "shipping_country": "GB", "billing_same": "on",
        "shipping_method": method.pk, "voucher_code": "", "idempotency_key": "0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11",
    }  # fmt: skip
    return {**data, **overrides}


@pytest.fixture
def cart_client(client):
    client.post("/cart/add/", {"variant": VariantFactory.create(stock_on_hand=3).pk, "quantity": 1})
    return client


@pytest.mark.parametrize("name", REQUIRED + BILLING_REQUIRED)
def test_a_required_field_is_marked_required_and_not_optional(cart_client, name):
    page = _page(cart_client.get("/checkout/").content.decode())

    control = page.controls[name]
    assert "required" in control
    assert control.get("aria-required") == "true"
    assert "(optional)" not in _label(page, name)


@pytest.mark.parametrize("name", OPTIONAL)
def test_an_optional_field_says_so_and_is_not_required(cart_client, name):
    page = _page(cart_client.get("/checkout/").content.decode())

    assert "required" not in page.controls[name]
    assert _label(page, name).endswith("(optional)")


def test_the_billing_fields_sit_in_the_block_hidden_while_billing_to_the_shipping_address(cart_client):
    html = cart_client.get("/checkout/").content.decode()

    block = re.search(r'<div class="checkout__billing-fields">(.*?)</div>\s*</fieldset>', html, re.S)
    assert block is not None
    assert 'name="billing_line1"' in block.group(1)
    assert 'name="billing_same"' not in block.group(1)  # the box that hides them stays outside
    assert re.search(r'name="billing_same"[^>]*checked', html)  # ticked at first


def test_billing_fields_are_ignored_while_billing_to_the_shipping_address(cart_client):
    method = ShippingMethodFactory.create()
    # Half-typed before the box was ticked again: hidden, so it must not stop the order.
    form = _form(method, billing_full_name="Half typed", billing_postcode="X" * 40, billing_country="ZZ")

    response = cart_client.post("/checkout/", form)

    assert response.status_code == 302
    order = Order.objects.get()
    assert order.billing_address == order.shipping_address


def test_billing_fields_are_required_when_the_box_is_unticked(cart_client):
    method = ShippingMethodFactory.create()
    form = _form(method)
    del form["billing_same"]

    response = cart_client.post("/checkout/", form)

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(BILLING_REQUIRED) - {"billing_country"} <= set(errors)
    assert not Order.objects.exists()


def test_a_separate_billing_address_is_kept_on_the_order(cart_client):
    form = _form(ShippingMethodFactory.create())
    del form["billing_same"]
    form |= {"billing_full_name": "Bea Payer", "billing_line1": "9 Low Road", "billing_city": "Bath",
             "billing_postcode": "BA1 1AA", "billing_country": "GB"}  # fmt: skip

    cart_client.post("/checkout/", form)

    order = Order.objects.get()
    assert ((order.billing_address or {})["full_name"], (order.shipping_address or {})["full_name"]) == (
        "Bea Payer",
        "Gus Guest",
    )


def test_the_form_keeps_what_was_typed_when_it_is_refused(cart_client):
    form = _form(ShippingMethodFactory.create(), shipping_postcode="", shipping_line2="Flat 3")
    del form["billing_same"]
    form |= {"billing_full_name": "Bea Payer"}

    response = cart_client.post("/checkout/", form)

    page = _page(response.content.decode())
    assert response.status_code == 422
    assert page.controls["shipping_line1"]["value"] == "2 Park Row"
    assert page.controls["shipping_line2"]["value"] == "Flat 3"
    assert page.controls["billing_full_name"]["value"] == "Bea Payer"
    assert page.controls["email"]["value"] == "guest@example.com"
    assert "checked" not in page.controls["billing_same"]  # still unticked, billing still shown


def test_a_saved_address_needs_no_typed_shipping_address(client):
    customer = UserFactory.create()
    address = AddressFactory.create(customer=customer)
    CartLineFactory.create(cart=CartFactory.create(customer=customer, token=None))
    client.force_login(customer)
    empty_shipping = {f"shipping_{n}": "" for n in ("full_name", "line1", "city", "postcode", "country")}

    response = client.post(
        "/checkout/", _form(ShippingMethodFactory.create(), saved_address=address.pk, **empty_shipping)
    )

    assert response.status_code == 302
    assert Order.objects.exists()


def test_the_live_summary_names_the_shipping_method_and_voucher_like_the_order_pages(cart_client):
    VoucherFactory.create(code="WELCOME10")
    method = ShippingMethodFactory.create(name="Next day")

    html = cart_client.post("/checkout/totals/", _form(method, voucher_code="welcome10")).content.decode()

    assert "Shipping (Next day)" in html
    assert "Discount (WELCOME10)" in html
