"""Variant options filtered by containment on PostgreSQL (GIN, jsonb_path_ops); nothing on SQLite.

A category or search narrowed to ``option=colour:red`` asks, per product, whether a variant
has ``options @> '{"colour": "red"}'``; across 50,000 products that is answered from this
index (a bitmap of the matching variants) instead of reading every variant's JSON. SQLite
reaches a product's variants by the product_id index and compares the extracted text.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations
from django.db.models import F

from emporium.core.db import PostgresOnly


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_product_types_and_variant_options")]

    operations = [
        PostgresOnly(
            migrations.AddIndex(
                model_name="variant",
                index=GinIndex(OpClass(F("options"), name="jsonb_path_ops"), name="variant_options_gin"),
            )
        ),
    ]
