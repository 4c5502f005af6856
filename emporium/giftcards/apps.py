from django.apps import AppConfig


class GiftCardsConfig(AppConfig):
    name = "emporium.giftcards"
    label = "giftcards"
    verbose_name = "Gift cards"
