from django.apps import AppConfig


class WishlistConfig(AppConfig):
    name = "emporium.wishlist"
    label = "wishlist"
    verbose_name = "Wishlists"

    def ready(self) -> None:
        from emporium.wishlist import signals  # noqa: F401  (connects the login merge)
