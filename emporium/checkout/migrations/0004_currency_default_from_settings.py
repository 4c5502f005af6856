from django.db import migrations, models

import emporium.core.money


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0003_shipping_method_countries_fit_the_world"),
    ]

    # The default is a Python callable (the shop's DEFAULT_CURRENCY when a row is created), not a
    # database default, so only the migration state changes: no table is touched.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="shippingmethod",
                    name="currency",
                    field=models.CharField(default=emporium.core.money.default_currency, max_length=3),
                ),
                migrations.AlterField(
                    model_name="voucher",
                    name="currency",
                    field=models.CharField(default=emporium.core.money.default_currency, max_length=3),
                ),
            ],
        ),
    ]
