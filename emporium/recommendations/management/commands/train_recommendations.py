"""Train recommendations from the shop's orders and events, and make them the active model."""

from __future__ import annotations

import json
import logging
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from emporium.datasets.progress import terminal_progress
from emporium.recommendations.exceptions import NothingToTrainOn
from emporium.recommendations.services import train_recommendations


class Command(BaseCommand):
    help = (
        "Train the recommendation model on the last two years of orders and add-to-cart events, "
        "store top-N lists per product and customer and switch them in at once. A failed run "
        "keeps the active model."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        parser.add_argument("--json", type=Path, help="also write the summary as JSON to this path")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] >= 1:  # periodic log lines next to the progress bar
            logging.getLogger("emporium.recommendations").setLevel(logging.INFO)
        try:
            summary = train_recommendations(progress=terminal_progress(enabled=not options["no_progress"]))
        except NothingToTrainOn as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Model version {summary.version_id} active: {summary.rows_read:,} purchases read, "
            f"{summary.customers:,} customers, {summary.products:,} products, "
            f"{summary.rows_written:,} rows written in {summary.seconds:.1f} s, "
            f"peak memory {summary.peak_memory_mb:,.0f} MB."
        )
        if options["json"]:
            options["json"].parent.mkdir(parents=True, exist_ok=True)
            options["json"].write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
