from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "emporium.checkout"
    label = "checkout"
    verbose_name = "Checkout"

    def ready(self) -> None:
        from emporium.checkout import signals  # noqa: F401
