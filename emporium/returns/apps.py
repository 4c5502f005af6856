from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "emporium.returns"
    verbose_name = "Returns"
