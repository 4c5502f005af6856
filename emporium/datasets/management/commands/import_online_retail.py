"""Import the UCI Online Retail dataset (or Online Retail II) into the shop."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from emporium.datasets.online_retail import DatasetFormatError, DateOrder
from emporium.datasets.progress import terminal_progress
from emporium.datasets.services import ImportReport, import_online_retail
from emporium.datasets.services.online_retail_import import DEFAULT_BATCH_SIZE
from emporium.datasets.services.variant_families import group_variant_families


class Command(BaseCommand):
    help = (
        "Import an Online Retail CSV (plain or gzip; original or 'Online Retail II' columns): "
        "products, categories, customers and orders. Safe to run again: nothing is created twice."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="the CSV file, plain or gzip-compressed")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"products, customers or orders written per transaction (default {DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--date-order",
            choices=[order.value for order in DateOrder],
            help="how to read slash dates such as 01/02/2011 (default: detected from the file)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
        parser.add_argument(
            "--group-colours",
            action="store_true",
            help="then make each stem's colours (90200A..E) one product with a colour picker "
            "(emporium/datasets/variant_families.py); setup_demo always does",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            report = import_online_retail(
                path=path,
                batch_size=options["batch_size"],
                date_order=DateOrder(options["date_order"]) if options["date_order"] else None,
                progress=terminal_progress(enabled=not options["no_progress"]),
            )
        except DatasetFormatError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(format_import_report(report))
        if options["group_colours"]:
            families = group_variant_families()
            self.stdout.write(
                f"  colour families grouped: {len(families):>8,}"
                f"  ({sum(len(family.members) for family in families):,} products became their colours)"
            )


def format_import_report(report: ImportReport) -> str:
    lines = [
        f"Imported {report.path} in {report.seconds:.1f} s (slash dates, if any, read {report.date_order}).",
        f"  rows read:              {report.rows_read:>9,}",
        f"  rows imported:          {report.rows_imported:>9,}"
        f"  ({report.charge_lines_imported:,} of them postage or carriage, kept as lines without a product)",
        f"  rows already imported:  {report.rows_already_imported:>9,}",
        f"  rows skipped:           {report.rows_skipped:>9,}",
    ]
    for reason, count in report.skipped.most_common():
        lines.append(f"    {reason.value:<34} {count:>7,}  {reason.explanation}")
    if report.skipped_codes:
        codes = ", ".join(f"{code} {count}" for code, count in report.skipped_codes.most_common())
        lines.append(f"    non-product codes: {codes}")
    lines += [
        f"  categories created:     {report.categories_created:>9,}",
        f"  products created:       {report.products_created:>9,}",
        f"  customers created:      {report.customers_created:>9,}",
        f"  orders created:         {report.orders_created:>9,}"
        f"  ({report.cancellations_created:,} cancellations, {report.guest_orders_created:,} guest orders)",
    ]
    if not report.created_anything:
        lines.append("Nothing new: everything in the file was already in the shop.")
    return "\n".join(lines)
