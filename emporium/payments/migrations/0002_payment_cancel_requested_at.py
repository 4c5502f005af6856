"""Payments remember that we asked the provider to cancel them, so its answer is not a surprise."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="cancel_requested_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
