"""Grow the shop to benchmark size with products, customers and orders resampled from real data."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from emporium.datasets.demo import DEMO_DATA_PATH
from emporium.datasets.online_retail import DatasetFormatError
from emporium.datasets.progress import terminal_progress
from emporium.datasets.services.shop_generator import generate_shop_data


class Command(BaseCommand):
    help = (
        "Add generated products, customers and orders that resample the real Online Retail data "
        "(descriptions, prices, baskets, customers). Adds to what is there; the same --seed on the "
        "same shop gives the same data."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--products", type=int, default=0, help="new products to make")
        parser.add_argument("--customers", type=int, default=0, help="new customers to make")
        parser.add_argument("--orders", type=int, default=0, help="new orders to make")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument(
            "--source",
            type=Path,
            default=DEMO_DATA_PATH,
            help="the Online Retail file to resample (default: the committed demo subset)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = {name: options[name] for name in ("products", "customers", "orders")}
        if any(value < 0 for value in sizes.values()):
            raise CommandError("Sizes cannot be negative.")
        source: Path = options["source"]
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        try:
            report = generate_shop_data(
                **sizes,
                seed=options["seed"],
                source=source,
                progress=terminal_progress(enabled=not options["no_progress"]),
            )
        except (DatasetFormatError, ValueError) as error:
            raise CommandError(str(error)) from error
        stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in report.stage_seconds.items())
        self.stdout.write(
            f"Generated from {report.source} with seed {report.seed} in {report.seconds:.1f} s ({stages}):\n"
            f"  products:    {report.products_created:>11,}  (in {report.categories_created} new categories)\n"
            f"  customers:   {report.customers_created:>11,}\n"
            f"  orders:      {report.orders_created:>11,}\n"
            f"  order lines: {report.order_lines_created:>11,}"
        )
