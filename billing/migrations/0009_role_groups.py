"""The four role groups with their model permissions (kept in sync after every migrate too)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_role_groups(apps, schema_editor):
    from billing.services.roles import role_groups_sync

    # Permissions are normally created after the whole migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    role_groups_sync(apps=apps, using=schema_editor.connection.alias)


def delete_role_groups(apps, schema_editor):
    from billing.services.roles import group_name
    from billing.models.memberships import ROLE_ORDER

    names = [group_name(role) for role in ROLE_ORDER]
    apps.get_model("auth", "Group").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_sdk_dialect"),
        ("notifications", "0004_sweeper_schedule"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, delete_role_groups)]
