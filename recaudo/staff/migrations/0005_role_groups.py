"""The console's roles are Django groups named ``recaudo:<role>`` (recaudo.staff.roles)."""

from django.db import migrations

ROLES = ("agent", "supervisor", "strategist", "compliance", "admin")


def create_groups(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    for role in ROLES:
        group_model.objects.get_or_create(name=f"recaudo:{role}")


class Migration(migrations.Migration):
    dependencies = [("staff", "0004_loginlock_auditentry"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
