from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "emporium.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # Keeps the roll-ups fresh when an order moves: a side effect nothing else depends on.
        from emporium.analytics import receivers  # noqa: F401
