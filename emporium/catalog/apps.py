from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "emporium.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from emporium.catalog import signals  # noqa: F401
