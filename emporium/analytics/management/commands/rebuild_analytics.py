from typing import Any

from django.core.management.base import BaseCommand

from emporium.analytics.services import rebuild_all_rollups


class Command(BaseCommand):
    help = "Rebuild every daily analytics roll-up from the orders (after an import, or to repair)."

    def handle(self, *args: Any, **options: Any) -> None:
        days = rebuild_all_rollups()
        self.stdout.write(f"Rebuilt the roll-ups of {days} days.")
