from django.apps import AppConfig


class GiftCardsConfig(AppConfig):
    name = "emporium.giftcards"
    label = "giftcards"
    verbose_name = "Gift cards"

    def ready(self) -> None:
        from emporium.giftcards.selectors import list_gift_card_variants
        from emporium.promotions.exclusions import register_excluded_variants

        # A gift card is money: sold below its value by a sale, the shop would lose the difference.
        register_excluded_variants(list_gift_card_variants)
        from emporium.giftcards import signals  # noqa: F401  (connects the receivers)
