"""Each category's published and in-stock products counted by the database (models.
CategoryProductCount): triggers on catalog_product keep the counts in the transaction that
changes a product, so a listing reads its count instead of counting its products (issue 18).
The counts of the products already there are filled in here."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# Only a change of what is counted touches the counts (and locks its category's row): saving
# a product writes every column, and a new name, price or units sold changes none of them.
RELEVANT_CHANGE = (
    "OLD.category_id IS DISTINCT FROM NEW.category_id OR OLD.is_published IS DISTINCT FROM NEW.is_published"
    " OR OLD.is_in_stock IS DISTINCT FROM NEW.is_in_stock"
)

POSTGRESQL = [
    """
    CREATE FUNCTION catalog_product_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_published THEN
            UPDATE catalog_categoryproductcount
            SET published = published - 1, in_stock = in_stock - OLD.is_in_stock::int
            WHERE category_id = OLD.category_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.is_published THEN
            INSERT INTO catalog_categoryproductcount AS counts (category_id, published, in_stock)
            VALUES (NEW.category_id, 1, NEW.is_in_stock::int)
            ON CONFLICT (category_id) DO UPDATE
            SET published = counts.published + 1, in_stock = counts.in_stock + EXCLUDED.in_stock;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """CREATE TRIGGER catalog_product_count_insert_delete AFTER INSERT OR DELETE ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_product_count_change()""",
    "CREATE TRIGGER catalog_product_count_update AFTER UPDATE ON catalog_product"
    f" FOR EACH ROW WHEN ({RELEVANT_CHANGE}) EXECUTE FUNCTION catalog_product_count_change()",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_product_count_update ON catalog_product",
    "DROP TRIGGER IF EXISTS catalog_product_count_insert_delete ON catalog_product",
    "DROP FUNCTION IF EXISTS catalog_product_count_change()",
]

# SQLite's triggers have no IF: a statement's WHERE says whether the row counts.
SQLITE_ADD_NEW = """
    INSERT INTO catalog_categoryproductcount (category_id, published, in_stock)
    SELECT NEW.category_id, 1, NEW.is_in_stock WHERE NEW.is_published
    ON CONFLICT (category_id) DO UPDATE
    SET published = published + 1, in_stock = in_stock + excluded.in_stock;
"""
SQLITE_TAKE_OLD = """
    UPDATE catalog_categoryproductcount
    SET published = published - 1, in_stock = in_stock - OLD.is_in_stock
    WHERE category_id = OLD.category_id AND OLD.is_published;
"""
SQLITE = [
    f"CREATE TRIGGER catalog_product_count_insert AFTER INSERT ON catalog_product BEGIN {SQLITE_ADD_NEW} END",
    f"CREATE TRIGGER catalog_product_count_delete AFTER DELETE ON catalog_product BEGIN {SQLITE_TAKE_OLD} END",
    "CREATE TRIGGER catalog_product_count_update AFTER UPDATE ON catalog_product"
    f" WHEN {RELEVANT_CHANGE.replace('IS DISTINCT FROM', 'IS NOT')}"
    f" BEGIN {SQLITE_TAKE_OLD} {SQLITE_ADD_NEW} END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_product_count_insert",
    "DROP TRIGGER IF EXISTS catalog_product_count_delete",
    "DROP TRIGGER IF EXISTS catalog_product_count_update",
]

# The products there already; ``is_in_stock`` as 0 or 1 on both databases.
BACKFILL = """
    INSERT INTO catalog_categoryproductcount (category_id, published, in_stock)
    SELECT category_id, COUNT(*), SUM(CASE WHEN is_in_stock THEN 1 ELSE 0 END)
    FROM catalog_product WHERE is_published GROUP BY category_id
"""


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: list[str]) -> None:
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"category product counts need triggers written for {vendor}")
    _run(schema_editor, [BACKFILL, *(POSTGRESQL if vendor == "postgresql" else SQLITE)])


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRESQL_REVERSE if vendor == "postgresql" else SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0011_listing_covering_indexes")]

    operations = [
        migrations.CreateModel(
            name="CategoryProductCount",
            fields=[
                (
                    "category",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="catalog.category",
                    ),
                ),
                ("published", models.IntegerField(default=0)),
                ("in_stock", models.IntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
