"""Product attributes refuse NUL characters (a validator: no change to the table)."""

from django.db import migrations, models

import emporium.catalog.models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_search_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="product",
            name="attributes",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='Free-form facts, e.g. {"material": "tin"}.',
                validators=[emporium.catalog.models.validate_no_null_characters],
            ),
        ),
    ]
