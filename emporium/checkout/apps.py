from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_whether_shop_charges_vat(**kwargs: object) -> None:
    from django.core.cache import cache

    from emporium.checkout.selectors import CHARGES_VAT_CACHE_KEY

    cache.delete(CHARGES_VAT_CACHE_KEY)


class CheckoutConfig(AppConfig):
    name = "emporium.checkout"
    label = "checkout"
    verbose_name = "Checkout"

    def ready(self) -> None:
        # Cache invalidation only (no business step depends on it): the cart's "Prices include
        # VAT" note follows the tax rates as soon as staff change them.
        from emporium.checkout.models import TaxRate

        post_save.connect(_forget_whether_shop_charges_vat, sender=TaxRate, dispatch_uid="checkout-vat-save")
        post_delete.connect(
            _forget_whether_shop_charges_vat, sender=TaxRate, dispatch_uid="checkout-vat-delete"
        )
