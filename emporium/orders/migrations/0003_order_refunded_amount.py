"""Orders remember how much was refunded, so a refund recorded without a payment can be capped."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def fill_refunded_amounts(apps, schema_editor):
    """Refunded orders gave back their total; partly refunded ones what their payments did."""
    Order = apps.get_model("orders", "Order")
    Payment = apps.get_model("payments", "Payment")
    Order.objects.filter(status="refunded").update(refunded_amount=models.F("total_amount"))
    refunded_by_payments = (
        Payment.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum("refunded_amount"))
        .values("total")
    )
    Order.objects.filter(status="partially_refunded").update(
        refunded_amount=Coalesce(
            Subquery(refunded_by_payments), models.Value(0), output_field=models.DecimalField()
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_checkout_fields_and_events"),
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="refunded_amount",
            field=models.DecimalField(db_default=0, decimal_places=2, default=0, max_digits=12),
        ),
        migrations.RunPython(fill_refunded_amounts, migrations.RunPython.noop),
    ]
