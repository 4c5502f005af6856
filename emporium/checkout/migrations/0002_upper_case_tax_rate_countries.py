"""Upper-case the country of tax rates typed in lower case before the admin normalised it.

Checkout has always looked rates up by the upper-case code, so a lower-case row never
applied. Where an upper-case row for the same country exists too, that one is the rate
orders were charged, and the lower-case row is dropped rather than overwriting it.
"""

from django.db import migrations


def upper_case_countries(apps, schema_editor):
    TaxRate = apps.get_model("checkout", "TaxRate")
    for rate in TaxRate.objects.all():
        code = rate.country.strip().upper()
        if code == rate.country:
            continue
        if TaxRate.objects.filter(country=code).exclude(pk=rate.pk).exists():
            rate.delete()
        else:
            rate.country = code
            rate.save(update_fields=["country"])


class Migration(migrations.Migration):
    dependencies = [("checkout", "0001_initial")]

    operations = [migrations.RunPython(upper_case_countries, migrations.RunPython.noop)]
