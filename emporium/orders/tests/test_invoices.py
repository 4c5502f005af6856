"""The PDF invoice: a real PDF with the order's lines and totals, for its customer and staff only."""

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.orders.invoices import render_invoice_pdf
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def _order(**fields):
    order = OrderFactory.create(
        currency="GBP",
        subtotal_amount=Decimal("25.50"),
        shipping_amount=Decimal("4.95"),
        shipping_method_name="Next day",
        discount_amount=Decimal("2.55"),
        voucher_code="WELCOME10",
        total_amount=Decimal("27.90"),
        tax_amount=Decimal("4.65"),
        tax_rate=Decimal("0.2000"),
        billing_address={"full_name": "Zoë Łukasiewicz", "line1": "1 High Street", "city": "Bristol"},
        **fields,
    )
    OrderLineFactory.create(
        order=order,
        product_name="REGENCY CAKESTAND 3 TIER",
        sku="22423",
        quantity=2,
        unit_price_amount=Decimal("12.75"),
        total_amount=Decimal("25.50"),
    )
    return order


def test_the_pdf_carries_the_lines_totals_vat_and_the_address_as_typed(settings):
    settings.INVOICE_VAT_NUMBER = "GB123456789"
    order = _order()

    text = _text(render_invoice_pdf(order=order))

    assert f"Invoice {order.number}" in text
    assert "REGENCY CAKESTAND 3 TIER" in text
    assert "£25.50" in text
    assert "WELCOME10" in text
    assert "£27.90" in text
    assert "Includes VAT at 20%" in text
    assert "Zoë Łukasiewicz" in text
    assert "GB123456789" in text


def test_a_customer_downloads_the_pdf_of_their_own_order_only(client):
    customer = UserFactory.create()
    mine, theirs = _order(customer=customer), _order(customer=UserFactory.create())
    client.force_login(customer)

    response = client.get(f"/account/orders/{mine.number}/invoice.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert client.get(f"/account/orders/{theirs.number}/invoice.pdf").status_code == 404


def test_staff_download_any_invoice_as_pdf(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(StaffUserFactory.create(is_superuser=True))
    order = _order()

    response = client.get(f"/admin/orders/order/{order.pk}/invoice.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
