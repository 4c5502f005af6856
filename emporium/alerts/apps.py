from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "emporium.alerts"
    label = "alerts"
    verbose_name = "Back-in-stock alerts"

    def ready(self) -> None:
        from emporium.alerts import signals  # noqa: F401  (listens for stock coming back)
