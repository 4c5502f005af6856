"""Orders paid cash on delivery are shipped unpaid and marked paid when the courier pays in."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_order_refunded_amount"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="pays_on_delivery",
            field=models.BooleanField(db_default=False, default=False),
        ),
    ]
