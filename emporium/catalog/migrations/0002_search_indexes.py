"""Full-text and trigram search on PostgreSQL (GIN indexes); nothing on SQLite."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from emporium.catalog.search import product_name_for_trigrams, product_search_vector
from emporium.core.db import PostgresOnly


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        TrigramExtension(),  # a no-op on other databases
        PostgresOnly(
            migrations.AddIndex(
                model_name="product",
                index=GinIndex(product_search_vector(), name="product_search_document_gin"),
            )
        ),
        PostgresOnly(
            migrations.AddIndex(
                model_name="product",
                index=GinIndex(
                    OpClass(product_name_for_trigrams(), name="gin_trgm_ops"), name="product_name_trgm_gin"
                ),
            )
        ),
    ]
