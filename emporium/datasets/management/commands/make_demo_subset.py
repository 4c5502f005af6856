"""Write the demo shop's data: a small real subset of the Online Retail file (see datasets/demo.py)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from emporium.datasets.demo import DEFAULT_MAX_ROWS, DEFAULT_PRODUCT_COUNT, make_demo_subset
from emporium.datasets.online_retail import DatasetFormatError


class Command(BaseCommand):
    help = (
        "Write a small, reproducible subset of an Online Retail file (about 300 products and the "
        "orders of a sample of their customers) as a gzip CSV, for the demo shop."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("source", type=Path, help="the full Online Retail CSV (plain or gzip)")
        parser.add_argument("out", type=Path, help="where to write the subset (.csv.gz)")
        parser.add_argument("--products", type=int, default=DEFAULT_PRODUCT_COUNT)
        parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS)

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        try:
            subset = make_demo_subset(
                source=source,
                out=options["out"],
                product_count=options["products"],
                max_rows=options["max_rows"],
            )
        except DatasetFormatError as error:
            raise CommandError(str(error)) from error
        size = options["out"].stat().st_size
        self.stdout.write(
            f"Wrote {options['out']} ({size / 1024:.0f} KiB): {subset.rows:,} rows, {subset.products} products, "
            f"{subset.invoices:,} invoices, {subset.customers:,} customers "
            f"({subset.fraction_of_customers:.1%} of the customers of those products)."
        )
