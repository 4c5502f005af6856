import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_currency_default_from_settings"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderGiftCardPayment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12)),
                (
                    "last_four",
                    models.CharField(
                        help_text="The card's last four characters, to name it masked.", max_length=4
                    ),
                ),
                (
                    "order",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gift_card_payment",
                        to="orders.order",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount__gt", 0)), name="order_gift_card_payment_positive"
                    )
                ],
            },
        ),
    ]
