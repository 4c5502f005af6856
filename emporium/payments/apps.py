from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "emporium.payments"
    label = "payments"
    verbose_name = "Payments"
