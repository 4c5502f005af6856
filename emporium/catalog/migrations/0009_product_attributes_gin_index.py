"""Typed number and yes/no filters answered by a GIN index on PostgreSQL (jsonb_ops); nothing on SQLite.

``flag=dishwasher_safe:yes`` asks ``attributes @> '{"dishwasher_safe": true}'`` and
``range=width:10..20`` first asks ``attributes ? 'width'`` (then compares the number): across
50,000 products both are answered from this index (a bitmap of the products that have the
value, or the key) instead of reading every product's JSON. The default operator class, not
jsonb_path_ops as on the variant options: only it answers the key test ``?``.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from emporium.core.db import PostgresOnly


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_variant_options_gin_index")]

    operations = [
        PostgresOnly(
            migrations.AddIndex(
                model_name="product",
                index=GinIndex(fields=["attributes"], name="product_attributes_gin"),
            )
        ),
    ]
