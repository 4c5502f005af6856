"""The invoice as a PDF, with the same content as the printable HTML invoice.

fpdf2 draws it in pure Python: no browser and no system libraries (WeasyPrint would need
Pango, which a new machine does not have). DejaVu Sans ships with the app so names and
addresses in any European script print as typed. fpdf2 is imported when an invoice is drawn,
not when the URLs load: it costs a web process about 2 s of start-up for a page few visit.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse

from emporium.core.money import format_money
from emporium.orders.models import Order
from emporium.orders.selectors import list_address_lines, list_order_totals

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"


def _address_text(address: dict[str, str] | None) -> str:
    return "\n".join(list_address_lines(address=address))


def render_invoice_pdf(*, order: Order) -> bytes:
    """One A4 invoice: seller, addresses, lines, totals with the VAT they include."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

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
                    line.display_name,
                    line.sku,
                    str(line.quantity),
                    format_money(line.unit_price),
                    format_money(line.total),
                ]
            )
            if line.discount_amount:  # what promotions took off it, named, as on the pages
                table.row([line.discount_label, "", "", "", f"\N{MINUS SIGN}{format_money(line.discount)}"])
    pdf.ln(2)

    # The same rows as every page and e-mail (orders/_summary.html draws them as HTML).
    totals = [(row.label, row.formatted_amount, row.kind) for row in list_order_totals(order=order)]
    for label, amount, kind in totals:
        pdf.set_font(FONT, "B" if kind == "total" else "", 10)
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
