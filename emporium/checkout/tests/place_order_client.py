"""A shopper's API client in a process of its own, for the database-restart test.

    DATABASE_URL=... python -m emporium.checkout.tests.place_order_client BODY_JSON CART_TOKEN GO_FILE

Places the order once, waits until ``GO_FILE`` exists (the test restarts the database in
between), then sends the same request twice more, as a client retrying with its idempotency
key would. Prints one JSON list of ``[status, body]`` per attempt.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client

    body, token, go = json.loads(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    client = Client(HTTP_X_CART_TOKEN=token)

    def attempt() -> list[object]:
        response = client.post("/api/v1/checkout/orders/", body, content_type="application/json")
        return [response.status_code, response.json(), response.headers.get("Retry-After")]

    attempts = [attempt()]
    deadline = time.monotonic() + 90
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    attempts += [attempt(), attempt()]
    print(json.dumps(attempts))


if __name__ == "__main__":
    main()
