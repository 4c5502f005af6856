from django.db import migrations, models

import emporium.core.money


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_stock_returned"),
    ]

    # The default is a Python callable (the shop's DEFAULT_CURRENCY when a row is created), not a
    # database default, so only the migration state changes: no table is touched.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="currency",
                    field=models.CharField(default=emporium.core.money.default_currency, max_length=3),
                ),
            ],
        ),
    ]
