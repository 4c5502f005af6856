"""Products store their full-text document (PostgreSQL): matching and ranking a search read
the stored vector through its GIN index instead of rebuilding every candidate's vector from
its name and description. The expression index it replaces goes."""

import django.contrib.postgres.search
from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

import emporium.catalog.search
from emporium.core.db import PostgresOnly

# What 0002 built, for going back.
EXPRESSION_INDEX = (
    "CREATE INDEX product_search_document_gin ON catalog_product USING gin ("
    "(setweight(to_tsvector('english'::regconfig, COALESCE(name, '')::text), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B')))"
)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0009_product_attributes_gin_index")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_document",
            field=models.GeneratedField(
                db_persist=True,
                expression=emporium.catalog.search.SearchDocument(),
                output_field=django.contrib.postgres.search.SearchVectorField(null=True),
            ),
        ),
        PostgresOnly(
            migrations.AddIndex(
                model_name="product",
                index=GinIndex(fields=["search_document"], name="product_search_doc_idx"),
            )
        ),
        PostgresOnly(
            migrations.RunSQL(
                "DROP INDEX IF EXISTS product_search_document_gin", reverse_sql=EXPRESSION_INDEX
            )
        ),
    ]
