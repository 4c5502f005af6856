from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "emporium.cart"
    label = "cart"
    verbose_name = "Carts"

    def ready(self) -> None:
        from emporium.cart import signals  # noqa: F401  (connects the login merge)
