from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    """The Online Retail dataset: import, demo subset and the benchmark-size generator.

    No models of its own: everything it makes is products, customers and orders.
    """

    name = "emporium.datasets"
    label = "datasets"
    verbose_name = "Datasets"
