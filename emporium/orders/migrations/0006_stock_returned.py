from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_order_delivered_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="stock_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "None (imported)"),
                    ("reserved", "Reserved"),
                    ("released", "Released"),
                    ("shipped", "Shipped"),
                    ("returned", "Returned to stock"),
                ],
                db_default="",
                default="",
                max_length=10,
            ),
        ),
    ]
