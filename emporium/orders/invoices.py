"""The invoice as a PDF, with the same content as the printable HTML invoice.

fpdf2 draws it in pure Python: no browser and no system libraries (WeasyPrint would need
Pango, which a new machine does not have). DejaVu Sans ships with the app so names and
addresses in any European script print as typed.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from fpdf import FPDF
from fpdf.fonts import FontFace

from emporium.core.money import Money, format_money
from emporium.orders.models import Order

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
ADDRESS_LINES = ("full_name", "company", "line1", "line2", "city", "region", "postcode", "country")


def _address_text(address: dict[str, str] | None) -> str:
    if not address:
        return ""
    return "\n".join(str(address[key]) for key in ADDRESS_LINES if address.get(key))


def _money(amount: object, currency: str) -> str:
    return format_money(Money(amount, currency))


def render_invoice_pdf(*, order: Order) -> bytes:
    """One A4 invoice: seller, addresses, lines, totals with the VAT they include."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"Invoice {order.number}")
    pdf.set_author(settings.SITE_NAME)
    pdf.set_creation_date(order.placed_at)  # the same order always gives the same document
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.add_page()

    pdf.set_font(FONT, "B", 18)
    pdf.cell(text=f"Invoice {order.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    seller = [settings.SITE_NAME, *settings.INVOICE_SELLER_ADDRESS]
    if settings.INVOICE_VAT_NUMBER:
        seller.append(f"VAT number {settings.INVOICE_VAT_NUMBER}")
    pdf.multi_cell(w=0, text="\n".join(seller), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    placed = order.placed_at.strftime("%d %B %Y")
    pdf.cell(text=f"Date {placed} · Status: {order.get_status_display()}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    with pdf.table(
        col_widths=(1, 1), borders_layout="NONE", text_align="LEFT", first_row_as_headings=True
    ) as t:
        t.row(["Bill to", "Ship to"])
        t.row([_address_text(order.billing_address), _address_text(order.shipping_address)])
    pdf.ln(4)

    currency = order.currency
    right = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(
        col_widths=(46, 16, 10, 14, 14),
        text_align=right,
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD"),
    ) as table:
        table.row(["Item", "Code", "Qty", "Price", "Total"])
        for line in order.lines.all():
            table.row(
                [
                    line.product_name,
                    line.sku,
                    str(line.quantity),
                    _money(line.unit_price_amount, currency),
                    _money(line.total_amount, currency),
                ]
            )
    pdf.ln(2)

    totals: list[tuple[str, str]] = []
    if order.subtotal_amount:
        totals.append(("Subtotal", _money(order.subtotal_amount, currency)))
    if order.shipping_method_name:
        totals.append((f"Shipping ({order.shipping_method_name})", _money(order.shipping_amount, currency)))
    if order.discount_amount:
        voucher = f" ({order.voucher_code})" if order.voucher_code else ""
        totals.append((f"Discount{voucher}", "\N{MINUS SIGN}" + _money(order.discount_amount, currency)))
    totals.append(("Total", _money(order.total_amount, currency)))
    if order.tax_amount:
        rate = f" at {(order.tax_rate * 100).normalize():f}%" if order.tax_rate else ""
        totals.append((f"Includes VAT{rate}", _money(order.tax_amount, currency)))
    for label, amount in totals:
        pdf.set_font(FONT, "B" if label == "Total" else "", 10)
        pdf.cell(w=150, text=label, align="R")
        pdf.cell(w=0, text=amount, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def invoice_html_context(*, order: Order, pdf_url: str) -> dict[str, object]:
    """What orders/invoice.html shows besides the order: the seller, and the PDF's address."""
    return {
        "order": order,
        "pdf_url": pdf_url,
        "invoice_seller_address": settings.INVOICE_SELLER_ADDRESS,
        "invoice_vat_number": settings.INVOICE_VAT_NUMBER,
    }


def invoice_pdf_response(*, order: Order) -> HttpResponse:
    response = HttpResponse(render_invoice_pdf(order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="invoice-{order.number}.pdf"'
    return response
