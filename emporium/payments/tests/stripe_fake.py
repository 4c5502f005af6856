"""A tiny HTTP server that answers like Stripe's API, for testing the Stripe adapter at the HTTP
edge. Shapes follow Stripe's documented objects (payment_intent, refund, error with
``type: card_error``). It replays answers by Idempotency-Key like Stripe does, can hold a
request back to make the client time out, and remembers every request it received."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from emporium.core.tests.serving import serving

DECLINES = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
}


# Stripe's own words (https://docs.stripe.com/api/payment_intents/confirm, return_url).
RETURN_URL_REQUIRED = (
    "A `return_url` must be specified because this Payment Intent is configured to automatically "
    "accept the payment methods enabled in the Dashboard, some of which may require a full page "
    "redirect to succeed. If you do not want to accept redirect-based payment methods, set "
    "`automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` "
    "to `never` when creating Setup Intents and Payment Intents."
)


@dataclass
class Received:
    method: str
    path: str
    idempotency_key: str
    form: dict[str, str]


@dataclass
class FakeStripe:
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    replies: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    delays: list[float] = field(default_factory=list)  # seconds to hold back each next request
    # What new refunds answer: card refunds can stay "pending" for days before they settle.
    refund_status: str = "succeeded"
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    # --- Stripe's behaviour ---------------------------------------------------------------

    def _intent(self, form: dict[str, str]) -> dict[str, Any]:
        number = len(self.intents) + 1
        intent_id = f"pi_fake{number:04d}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": form["currency"],
            "status": "requires_payment_method",
            "capture_method": form.get("capture_method", "automatic"),
            "client_secret": f"{intent_id}_secret_fake",
            "livemode": False,
            "last_payment_error": None,
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "automatic_payment_methods": {
                "enabled": form.get("automatic_payment_methods[enabled]", "").lower() == "true",
                "allow_redirects": form.get("automatic_payment_methods[allow_redirects]", "always"),
            },
        }
        self.intents[intent_id] = intent
        return intent

    def succeed(self, intent_id: str) -> dict[str, Any]:
        """What Stripe.js confirming in the browser does to the intent."""
        intent = self.intents[intent_id]
        if intent["capture_method"] == "manual":
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])
        return intent

    @staticmethod
    def _needs_return_url(intent: dict[str, Any]) -> bool:
        """Stripe refuses to confirm an intent that may use redirect-based methods (automatic
        payment methods, redirects not turned off) without somewhere to send the customer back."""
        methods = intent["automatic_payment_methods"]
        return bool(methods["enabled"]) and methods["allow_redirects"] != "never"

    def handle(self, method: str, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/payment_intents":
            return 200, self._intent(form)
        if parts[:2] == ["v1", "payment_intents"] and len(parts) >= 3:
            intent = self.intents.get(parts[2])
            if intent is None:
                return 404, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": "No such payment_intent",
                    }
                }
            action = parts[3] if len(parts) > 3 else ""
            if method == "GET" and not action:
                return 200, intent
            if action == "confirm":
                if self._needs_return_url(intent) and not form.get("return_url"):
                    return 400, {"error": {"type": "invalid_request_error", "message": RETURN_URL_REQUIRED}}
                method_id = form.get("payment_method", "")
                if method_id in DECLINES:
                    code, decline_code, message = DECLINES[method_id]
                    error = {
                        "type": "card_error",
                        "code": code,
                        "decline_code": decline_code,
                        "message": message,
                    }
                    intent.update(status="requires_payment_method", last_payment_error=error)
                    return 402, {"error": {**error, "payment_intent": intent}}
                intent["last_payment_error"] = None
                return 200, self.succeed(intent["id"])
            if action == "capture":
                if intent["status"] != "requires_capture":
                    return 400, {
                        "error": {
                            "type": "invalid_request_error",
                            "code": "payment_intent_unexpected_state",
                            "message": "This PaymentIntent could not be captured because it has a status "
                            f"of {intent['status']}. Only a PaymentIntent with one of the following "
                            "statuses may be captured: requires_capture.",
                        }
                    }
                amount = int(form.get("amount_to_capture", intent["amount"]))
                intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
                return 200, intent
            if action == "cancel":
                if intent["status"] in ("succeeded", "canceled"):
                    return 400, {
                        "error": {
                            "type": "invalid_request_error",
                            "code": "payment_intent_unexpected_state",
                            "message": "You cannot cancel this PaymentIntent because it has a status of "
                            f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                            "may be canceled: requires_payment_method, requires_capture, "
                            "requires_confirmation, requires_action, processing.",
                        }
                    }
                intent.update(
                    status="canceled",
                    amount_capturable=0,
                    cancellation_reason=form.get("cancellation_reason"),
                )
                return 200, intent
        if method == "POST" and path == "/v1/refunds":
            intent = self.intents[form["payment_intent"]]
            refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"])
            amount = int(form.get("amount", intent["amount_received"] - refunded))
            if amount > intent["amount_received"] - refunded:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "charge_exceeds_source_limit",
                        "message": "Refund amount is greater than unrefunded amount on charge",
                    }
                }
            refund = {
                "id": f"re_fake{len(self.refunds) + 1:04d}",
                "object": "refund",
                "amount": amount,
                "currency": intent["currency"],
                "payment_intent": intent["id"],
                "status": self.refund_status,
                "failure_reason": None,
                "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            }
            self.refunds[refund["id"]] = refund
            return 200, refund
        if method == "GET" and parts[:2] == ["v1", "refunds"] and len(parts) == 3:
            if parts[2] not in self.refunds:
                return 404, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": "No such refund",
                    }
                }
            return 200, self.refunds[parts[2]]
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "message": f"Unrecognized request URL ({method}: {path})",
            }
        }

    def respond(
        self, method: str, path: str, key: str, form: dict[str, str]
    ) -> tuple[int, dict[str, Any], float]:
        with self.lock:
            self.received.append(Received(method=method, path=path, idempotency_key=key, form=form))
            delay = self.delays.pop(0) if self.delays else 0.0
            if key and key in self.replies:
                status, body = self.replies[key]  # Stripe replays the first answer to a key
            else:
                status, body = self.handle(method, path, form)
                if key and method == "POST":
                    self.replies[key] = (status, json.loads(json.dumps(body)))
            return status, json.loads(json.dumps(body)), delay


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            form = dict(parse_qsl(body or query, keep_blank_values=True))
            status, payload, delay = fake.respond(
                self.command, path, self.headers.get("Idempotency-Key", ""), form
            )
            if delay:
                time.sleep(delay)  # the work is done; the answer comes too late for the client
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_fake{len(fake.received)}")
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_DELETE = _serve  # noqa: N815  # http.server's names

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    with serving(server):
        yield fake
