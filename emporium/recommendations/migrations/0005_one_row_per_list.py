"""A ranked list becomes one row (its product ids, best first) instead of one row per rank.

A trained model was millions of rows, and writing them (then deleting the old version's)
took longer than training. The active version's lists are copied into the new tables before
the old ones go, so a shop keeps its recommendations from the upgrade to the next training.
"""

import itertools

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q

BATCH = 2_000


def _grouped(rows, key):
    for owner, entries in itertools.groupby(rows, key=key):
        yield owner, list(entries)


def copy_active_lists(apps, schema_editor):
    version = apps.get_model("recommendations", "ModelVersion").objects.filter(is_active=True).first()
    if version is None:
        return
    old_neighbours = apps.get_model("recommendations", "ProductNeighbour")
    old_lists = apps.get_model("recommendations", "CustomerRecommendation")
    neighbour_list = apps.get_model("recommendations", "NeighbourList")
    customer_list = apps.get_model("recommendations", "CustomerList")
    rows = (
        old_neighbours.objects.filter(version=version)
        .order_by("product_id", "rank")
        .values_list("product_id", "neighbour_id", "score")
        .iterator(chunk_size=BATCH)
    )
    lists = (
        neighbour_list(
            version=version,
            product_id=product_id,
            neighbour_ids=[entry[1] for entry in entries],
            scores=[entry[2] for entry in entries],
        )
        for product_id, entries in _grouped(rows, key=lambda row: row[0])
    )
    while batch := list(itertools.islice(lists, BATCH)):
        neighbour_list.objects.bulk_create(batch)
    rows = (
        old_lists.objects.filter(version=version)
        .order_by("customer_id", "kind", "rank")
        .values_list("customer_id", "kind", "product_id")
        .iterator(chunk_size=BATCH)
    )
    lists = (
        customer_list(
            version=version, customer_id=owner[0], kind=owner[1], product_ids=[entry[2] for entry in entries]
        )
        for owner, entries in _grouped(rows, key=lambda row: (row[0], row[1]))
    )
    while batch := list(itertools.islice(lists, BATCH)):
        customer_list.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_attributes_without_null_characters"),
        ("recommendations", "0004_popular_list_without_customer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NeighbourList",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("neighbour_ids", models.JSONField(default=list)),
                ("scores", models.JSONField(default=list)),
                (
                    "product",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="catalog.product",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="recommendations.modelversion",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("version", "product"), name="recs_neighbour_list_lookup")
                ],
            },
        ),
        migrations.CreateModel(
            name="CustomerList",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("buy_again", "Buy it again"),
                            ("for_you", "Recommended for you"),
                            ("popular", "Popular right now"),
                        ],
                        max_length=16,
                    ),
                ),
                ("product_ids", models.JSONField(default=list)),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="recommendations.modelversion",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["version", "customer", "kind"], name="recs_customer_list_lookup")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=Q(customer__isnull=True, kind="popular")
                        | (Q(customer__isnull=False) & ~Q(kind="popular")),
                        name="recs_list_popular_has_no_customer",
                    )
                ],
            },
        ),
        migrations.RunPython(copy_active_lists, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="CustomerRecommendation"),
        migrations.DeleteModel(name="ProductNeighbour"),
    ]
