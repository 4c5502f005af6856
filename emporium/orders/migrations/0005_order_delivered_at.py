from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def date_past_deliveries(apps, schema_editor):
    """Orders marked delivered before the field existed get the time of that event."""
    Order = apps.get_model("orders", "Order")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    delivered = OrderEvent.objects.filter(order=OuterRef("pk"), to_status="delivered").order_by("created_at")
    Order.objects.filter(delivered_at=None, events__to_status="delivered").update(
        delivered_at=Subquery(delivered.values("created_at")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_order_pays_on_delivery"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="delivered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(date_past_deliveries, migrations.RunPython.noop, elidable=True),
    ]
