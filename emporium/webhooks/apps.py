from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "emporium.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Orders and the catalog announce their changes with signals; the receivers write the
        # outbox in the same transaction. Orders and the catalog never import webhooks.
        from emporium.webhooks import receivers  # noqa: F401
