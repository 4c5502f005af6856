"""Thumbnails are made by a background task: each picture says whether its own exist yet.

Pictures saved before this were thumbnailed as they were saved, so they are marked ready.
"""

from django.db import migrations, models


def mark_existing_ready(apps, schema_editor):
    apps.get_model("catalog", "ProductImage").objects.update(thumbnails_ready=True)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_currency_default_from_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="productimage",
            name="thumbnails_ready",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(mark_existing_ready, migrations.RunPython.noop, elidable=True),
    ]
