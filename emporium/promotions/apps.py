from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "emporium.promotions"
    label = "promotions"
    verbose_name = "Promotions"

    def ready(self) -> None:
        from emporium.promotions import signals  # noqa: F401  (connects the receivers)
