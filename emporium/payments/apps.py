from django.apps import AppConfig
from django.conf import settings

from emporium.payments.gateways import STRIPE


class PaymentsConfig(AppConfig):
    name = "emporium.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # A shop that offers Stripe loads its SDK here, at start-up (in gunicorn's master before
        # the fork, so workers share it), rather than on its first payment; one that does not
        # never loads it (about 0.7 s and 10 MB a process).
        if STRIPE in settings.PAYMENT_GATEWAYS:
            import emporium.payments.gateways.stripe  # noqa: F401
