"""Writes of the datasets app: the Online Retail import and the benchmark-size generator."""

from emporium.datasets.services.categories import ensure_categories
from emporium.datasets.services.demo_data import load_demo_data
from emporium.datasets.services.online_retail_import import ImportReport, import_online_retail

__all__ = ["ImportReport", "ensure_categories", "import_online_retail", "load_demo_data"]
