from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from emporium.webhooks.models import WebhookEndpoint, WebhookEventType


class WebhookEndpointFactory(DjangoModelFactory[WebhookEndpoint]):
    class Meta:
        model = WebhookEndpoint

    url = factory.Sequence(lambda n: f"http://127.0.0.1:9/hooks/{n}")
    description = factory.Sequence(lambda n: f"Receiver {n}")
    is_active = True
    event_types = factory.LazyFunction(lambda: list(WebhookEventType.values))
