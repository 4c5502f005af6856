"""Make an empty shop ready to look at: demo data and a staff account to log in with.

`make run` calls this after migrating. It loads demo data only into a database without
products, so it never touches a shop that already holds data, and it is safe to run on
every start. The demo data is a real subset of the UCI Online Retail dataset (see
emporium/datasets/demo/README.md), imported by the same importer as the full file.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from emporium.accounts.services import ensure_demo_staff_user
from emporium.checkout.demo import DEMO_VOUCHERS
from emporium.datasets.progress import terminal_progress
from emporium.datasets.services import load_demo_data


class Command(BaseCommand):
    help = "Load demo data into a database without products and create the demo staff account."

    def add_arguments(self, parser: CommandParser) -> None:
        # Only for the start-up message: `make run HOST=0.0.0.0 PORT=9000` passes its own.
        parser.add_argument("--host", default="127.0.0.1", help="Where the shop will listen.")
        parser.add_argument("--port", type=int, default=8000, help="The port the shop will listen on.")

    def handle(self, *args: Any, **options: Any) -> None:
        # First: it refuses in production, before any demo data could reach a real shop.
        credentials = ensure_demo_staff_user()
        report = load_demo_data(progress=terminal_progress())
        if report is None:
            self.stdout.write("The shop already has products: no demo data loaded.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo shop from {report.path.name} in {report.seconds:.1f} s: "
                    f"{report.products_created:,} products in {report.categories_created} categories, "
                    f"{report.customers_created:,} customers, {report.orders_created:,} orders "
                    "(real orders from the UCI Online Retail dataset, CC BY 4.0)."
                )
            )
            self.stdout.write("Delivery: UK standard and express, Europe, rest of the world; UK VAT 20%.")
            self.stdout.write("Vouchers to try at checkout:")
            for voucher in DEMO_VOUCHERS:
                self.stdout.write(f"  {voucher.code}: {voucher.description}")
        base_url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"The shop at {base_url}/"))
        self.stdout.write(self.style.SUCCESS(f"Demo staff account (admin at {base_url}/admin/):"))
        self.stdout.write(f"  e-mail:   {credentials.email}")
        self.stdout.write(f"  password: {credentials.password}")
