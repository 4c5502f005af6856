"""Everyone's popular list moves into the customer-list table (rows without a customer).

The active model's popular rows are copied over before the old table goes, so a shop keeps
its popular widget from the upgrade until the next training run.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_popular_rows(apps, schema_editor):
    popular = apps.get_model("recommendations", "PopularProduct")
    lists = apps.get_model("recommendations", "CustomerRecommendation")
    lists.objects.bulk_create(
        [
            lists(
                version_id=row.version_id,
                customer=None,
                kind="popular",
                product_id=row.product_id,
                rank=row.rank,
                score=row.score,
            )
            for row in popular.objects.all().iterator()
        ],
        batch_size=1000,
    )


def copy_popular_rows_back(apps, schema_editor):
    popular = apps.get_model("recommendations", "PopularProduct")
    lists = apps.get_model("recommendations", "CustomerRecommendation")
    rows = lists.objects.filter(customer__isnull=True, kind="popular")
    popular.objects.bulk_create(
        [
            popular(version_id=row.version_id, product_id=row.product_id, rank=row.rank, score=row.score)
            for row in rows.iterator()
        ],
        batch_size=1000,
    )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_attributes_without_null_characters"),
        ("recommendations", "0003_product_ids_unindexed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="customerrecommendation",
            name="customer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="customerrecommendation",
            name="kind",
            field=models.CharField(
                choices=[
                    ("buy_again", "Buy it again"),
                    ("for_you", "Recommended for you"),
                    ("popular", "Popular right now"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(copy_popular_rows, copy_popular_rows_back),
        migrations.AddConstraint(
            model_name="customerrecommendation",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("customer__isnull", True), ("kind", "popular")))
                | models.Q(("customer__isnull", False), models.Q(("kind", "popular"), _negated=True)),
                name="recs_popular_list_has_no_customer",
            ),
        ),
        migrations.DeleteModel(name="PopularProduct"),
    ]
