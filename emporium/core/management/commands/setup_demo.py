"""Make an empty shop ready to look at: demo data and a staff account to log in with.

`make run` calls this after migrating. It loads demo data only into an empty database, so it
never touches a shop that already holds data, and it is safe to run on every start.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from emporium.accounts.services import ensure_demo_staff_user


class Command(BaseCommand):
    help = "Load demo data into an empty database and create the demo staff account."

    def handle(self, *args: Any, **options: Any) -> None:
        credentials = ensure_demo_staff_user()
        self.stdout.write(self.style.SUCCESS("Demo staff account (admin at http://127.0.0.1:8000/admin/):"))
        self.stdout.write(f"  e-mail:   {credentials.email}")
        self.stdout.write(f"  password: {credentials.password}")
