"""Offline evaluation of every recommendation model on Online Retail CSV files (no database)."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from emporium.datasets.online_retail import DatasetFormatError
from emporium.recommendations.evaluation import METRICS, read_purchases, run_evaluation

# The shared real file, next to the checkout (see the README's Data section).
DEFAULT_DATA = (
    Path(settings.BASE_DIR).parent / "shared/data/online-retail/online-retail-2010-12-01-to-2011-08-31.csv.gz"
)
DEFAULT_SPLIT = "2011-06-01"


class Command(BaseCommand):
    help = (
        "Train every recommendation model on the purchases before --split and score it on the "
        "returning customers' purchases after it: HR, precision, recall, NDCG and MAP at 10 and "
        "coverage, over all products and over products new to the customer."
    )
    requires_system_checks: list[str] = []  # reads files only: no database needed

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "data",
            nargs="*",
            type=Path,
            help=f"Online Retail CSV files, plain or gzip, read as one (default {DEFAULT_DATA})",
        )
        parser.add_argument("--split", default=DEFAULT_SPLIT, help="first test day, YYYY-MM-DD")
        parser.add_argument("--json", type=Path, help="also write the results as JSON to this path")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["data"] or [DEFAULT_DATA]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        try:
            # The data's times are UK local; a split day starts at midnight there.
            split = pd.Timestamp(options["split"], tz="Europe/London")
        except ValueError as error:
            raise CommandError(f"--split must be a date (YYYY-MM-DD), not {options['split']!r}.") from error
        try:
            purchases = read_purchases(paths=paths)
        except DatasetFormatError as error:
            raise CommandError(str(error)) from error
        before = int((purchases["at"] < split).sum())
        if before == 0 or before == len(purchases):
            raise CommandError("The split must leave purchases on both sides.")
        results = run_evaluation(
            purchases=purchases,
            split=split,
            on_model=lambda name: print(f"training and scoring {name} ...", file=sys.stderr, flush=True),
        )
        results["data"] = [path.name for path in paths]
        self.stdout.write(format_results(results))
        if options["json"]:
            options["json"].parent.mkdir(parents=True, exist_ok=True)
            options["json"].write_text(json.dumps(results, indent=2) + "\n")


def format_results(results: dict) -> str:
    training = results["training"]
    lines = [
        f"Split {results['split']}: trained on {training['purchase_lines']:,} purchase lines "
        f"({training['customers']:,} customers, {training['products']:,} products); "
        f"tested on {training['test_customers']:,} returning customers. Served: {results['served']}.",
    ]
    name_width = max(len(name) for name in results["models"]) + 2
    header = "".join(f"{metric:>14}" for metric in METRICS)
    for scope in ("all", "new"):
        lines += ["", f"{scope} products".ljust(name_width) + header]
        for name, model in results["models"].items():
            marker = "*" if name == results["served"] else " "
            values = "".join(f"{model[scope][metric]:>14.4f}" for metric in METRICS)
            lines.append(f"{marker}{name}".ljust(name_width) + values)
    return "\n".join(lines)
