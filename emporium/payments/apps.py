from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "emporium.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # Connects the receivers of the orders app's signals.
        from emporium.payments import receivers  # noqa: F401
