from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    """Recommendations trained from orders and storefront events, served from precomputed tables.

    Depends on catalog, orders, cart and accounts; none of them depends on it.
    """

    name = "emporium.recommendations"
    label = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from emporium.recommendations import signals  # noqa: F401  (records views and add-to-cart events)
