"""Create the staff roles as groups: Catalog manager, Order manager, Analyst."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from emporium.accounts.roles import STAFF_ROLES, sync_staff_groups


def create_staff_groups(apps, schema_editor):
    # On a fresh database Django creates permissions only after the last migration; create
    # those of the apps the roles cover now, so the groups get them at once.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_staff_groups(apps=apps)


def remove_staff_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[role.name for role in STAFF_ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_address"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0002_search_indexes"),
        ("orders", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_staff_groups, remove_staff_groups)]
